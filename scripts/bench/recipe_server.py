"""The recipe's server: a transformers pipeline behind starlette, one asyncio queue, one
model-owning loop; with --batch, its dynamic batching loop. Peer for scripts/bench-seed.sh.

    python recipe_server.py --model <folder> [--batch] [--port 8001]

Written after the Hugging Face documentation's "Using pipelines for a webserver" recipe; the
model call blocks the event loop, as there.
"""
import argparse
import asyncio
import contextlib

import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from transformers import pipeline

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--port", type=int, default=8001)
parser.add_argument("--batch", action="store_true", help="the recipe's dynamic batching loop")
args = parser.parse_args()


async def homepage(request):
    payload = await request.body()
    string = payload.decode("utf-8")
    response_q = asyncio.Queue()
    await request.app.state.model_queue.put((string, response_q))
    output = await response_q.get()
    return JSONResponse(output)


async def server_loop(q):
    pipe = pipeline(task="fill-mask", model=args.model, device="cpu")
    while True:
        (string, response_q) = await q.get()
        out = pipe(string)
        await response_q.put(out)


async def batching_server_loop(q):
    pipe = pipeline(task="fill-mask", model=args.model, device="cpu")
    while True:
        (string, rq) = await q.get()
        strings, queues = [string], [rq]
        while True:
            try:
                (string, rq) = await asyncio.wait_for(q.get(), timeout=0.001)  # 1 ms
            except asyncio.exceptions.TimeoutError:
                break
            strings.append(string)
            queues.append(rq)
        outs = pipe(strings, batch_size=len(strings))
        for rq, out in zip(queues, outs):
            await rq.put(out)


@contextlib.asynccontextmanager
async def lifespan(app):
    q = asyncio.Queue()
    app.state.model_queue = q
    task = asyncio.create_task((batching_server_loop if args.batch else server_loop)(q))
    yield
    task.cancel()


app = Starlette(routes=[Route("/", homepage, methods=["POST"])], lifespan=lifespan)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
