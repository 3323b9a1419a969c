"""B1: B0 plus boto3 and PynamoDB, the irreducible import cost of a group that stores data."""

import boto3  # noqa: F401  (imported for its cost: that is the point of this baseline)
from fastapi import FastAPI
from mangum import Mangum
from pynamodb.models import Model  # noqa: F401

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"message": "hello"}


handler = Mangum(app, lifespan="off")
