"""The shop's tables as SQLAlchemy 2 ORM models (given: do not change it).

Only primary keys are indexed: PostgreSQL does not index foreign keys by itself, and choosing the other
indexes is part C of the lab.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ORDER_STATUSES = ("paid", "pending", "cancelled")


class Base(DeclarativeBase):
    pass


class Category(Base):
    """A node of the category hierarchy; roots have no parent."""

    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent")
    products: Mapped[list[Product]] = relationship(back_populates="category")


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(120))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    price_cents: Mapped[int] = mapped_column(Integer, CheckConstraint("price_cents > 0"))
    category: Mapped[Category] = relationship(back_populates="products")


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Order(Base):
    """An order; `placed_at` is a naive timestamp (minute precision, so ties are common)."""

    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    placed_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(
        String(16), CheckConstraint("status IN ('paid', 'pending', 'cancelled')")
    )
    customer: Mapped[Customer] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order")


class OrderLine(Base):
    """One product of an order; the line's amount is `quantity * unit_price_cents`."""

    __tablename__ = "order_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer, CheckConstraint("quantity > 0"))
    unit_price_cents: Mapped[int] = mapped_column(Integer, CheckConstraint("unit_price_cents > 0"))
    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
