"""The recipe's server: a transformers pipeline behind starlette, one asyncio queue, one
model-owning loop; with --batch, its dynamic batching loop. Peer for scripts/bench/compare.sh.

    python recipe_server.py --model <folder> [--task fill-mask|sentence-embeddings] [--batch] [--port 8001]

Written after the Hugging Face documentation's "Using pipelines for a webserver" recipe; the
model call blocks the event loop, as there. With --task sentence-embeddings the pipeline is a
sentence-transformers model's `encode` (what people put behind such a server for embeddings),
and a JSON body `{"inputs": [...]}` is answered with one embedding per input; the batching loop
then encodes every queued request's texts together.
"""
import argparse
import asyncio
import contextlib
import json

import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from transformers import pipeline

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--port", type=int, default=8001)
parser.add_argument("--batch", action="store_true", help="the recipe's dynamic batching loop")
parser.add_argument("--task", default="fill-mask", choices=["fill-mask", "sentence-embeddings"])
args = parser.parse_args()


def load():
    """A callable from a list of texts to their outputs, as JSON-ready values."""
    if args.task == "fill-mask":
        pipe = pipeline(task="fill-mask", model=args.model, device="cpu")
        return lambda strings: pipe(strings, batch_size=len(strings)) if len(strings) > 1 else [pipe(strings[0])]
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(args.model, device="cpu")
    return lambda strings: model.encode(strings, batch_size=len(strings)).tolist()


async def homepage(request):
    payload = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        strings, single = json.loads(payload)["inputs"], False  # a list of texts
    else:
        strings, single = [payload.decode("utf-8")], True
    response_q = asyncio.Queue()
    await request.app.state.model_queue.put((strings, response_q))
    output = await response_q.get()
    return JSONResponse(output[0] if single else output)


async def server_loop(q):
    run = load()
    while True:
        (strings, response_q) = await q.get()
        out = run(strings)
        await response_q.put(out)


async def batching_server_loop(q):
    run = load()
    while True:
        (strings, rq) = await q.get()
        batch, queues = [strings], [rq]
        while True:
            try:
                (strings, rq) = await asyncio.wait_for(q.get(), timeout=0.001)  # 1 ms
            except asyncio.exceptions.TimeoutError:
                break
            batch.append(strings)
            queues.append(rq)
        outs = run([s for strings in batch for s in strings])
        start = 0
        for strings, rq in zip(batch, queues):
            await rq.put(outs[start:start + len(strings)])
            start += len(strings)


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
