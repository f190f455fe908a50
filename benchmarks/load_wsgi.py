"""The application as benchmarks/load.py serves it: the real app plus GET /hello, a route that
answers a constant, whose requests/s in the same run is the ceiling of this server here."""
from scheduler import create_app

app = create_app()


@app.get("/hello")
def hello():
    return "xin chào"
