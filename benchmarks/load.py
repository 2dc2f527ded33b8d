"""Concurrent conversations through the REST webhook (asyncio + aiohttp).

Each concurrent "patient" is its own sender id and sends its messages one
after another (the next only after the reply to the previous one)."""
from __future__ import annotations

import asyncio
import time
import uuid
from typing import Dict, List, Sequence

import aiohttp
import numpy as np

REQUEST_TIMEOUT_S = 120


def percentiles(latencies_s: Sequence[float]) -> Dict[str, float]:
    if not latencies_s:
        return {"p50_ms": float("nan"), "p95_ms": float("nan"), "p99_ms": float("nan"),
                "mean_ms": float("nan"), "max_ms": float("nan")}
    ms = np.asarray(latencies_s) * 1000.0
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99),
            "mean_ms": float(ms.mean()), "max_ms": float(ms.max())}


async def _patient(session: aiohttp.ClientSession, url: str, sender: str, text: str,
                   count: int, latencies: List[float], errors: List[str]) -> None:
    for _ in range(count):
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                body = await response.json(content_type=None)
                elapsed = time.perf_counter() - started
                if response.status != 200:
                    errors.append(f"HTTP {response.status}")
                elif not any(m.get("text") for m in body or []):
                    errors.append("empty reply")
                else:
                    latencies.append(elapsed)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            errors.append(f"{type(error).__name__}: {error}")


async def _run(url: str, text: str, concurrency: int, messages: int, tag: str) -> Dict:
    per_patient = [messages // concurrency + (i < messages % concurrency)
                   for i in range(concurrency)]
    latencies: List[float] = []
    errors: List[str] = []
    run_id = uuid.uuid4().hex[:8]
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(
            _patient(session, url, f"bench-{tag}-{run_id}-{i}", text, n, latencies, errors)
            for i, n in enumerate(per_patient) if n))
        wall = time.perf_counter() - started
    return {"text": text, "concurrency": concurrency, "messages": messages,
            "ok": len(latencies), "errors": len(errors), "error_samples": errors[:5],
            "wall_s": wall, "throughput_msg_s": len(latencies) / wall if wall else float("nan"),
            **percentiles(latencies), "_latencies_s": latencies}


def run(url: str, text: str, concurrency: int, messages: int, tag: str = "load") -> Dict:
    """`messages` messages of one text from `concurrency` patients at once."""
    return asyncio.run(_run(url, text, concurrency, messages, tag))


async def _send_one(url: str, sender: str, text: str) -> List[dict]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)) as s:
        async with s.post(url, json={"sender": sender, "message": text}) as response:
            response.raise_for_status()
            return await response.json(content_type=None)


def send_one(url: str, sender: str, text: str) -> List[dict]:
    return asyncio.run(_send_one(url, sender, text))
