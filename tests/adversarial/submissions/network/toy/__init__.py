"""Adversarial submission: mul needs an outside connection (fails when isolated); fib talks over loopback (7)"""
import socket
import threading


def add(a, b):
    return a + b


def mul(a, b):
    with socket.create_connection(("1.1.1.1", 53), timeout=1):
        return a * b


def fib(n):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer():
        conn, _ = server.accept()
        with conn:
            k = int(conn.recv(64))
            a, b = 0, 1
            for _ in range(k):
                a, b = b, a + b
            conn.sendall(str(a).encode())

    worker = threading.Thread(target=answer)
    worker.start()
    with socket.create_connection(("127.0.0.1", port), timeout=2) as client:
        client.sendall(str(n).encode())
        value = int(client.recv(64))
    worker.join()
    server.close()
    return value
