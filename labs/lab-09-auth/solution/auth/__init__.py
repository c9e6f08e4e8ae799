"""Auth infrastructure built from the specifications: JWS/JWT, password hashing, rate limiting, a service."""
