"""B0: the least a FastAPI-on-Lambda function can be (one async GET route, Mangum)."""

from fastapi import FastAPI
from mangum import Mangum

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"message": "hello"}


handler = Mangum(app, lifespan="off")
