"""A process that publishes the synthetic snapshot over MQTT, then waits to be killed.

The last-will test kills it with SIGKILL: only a process that disappears without a word
makes the broker send its will.
"""

from __future__ import annotations

import asyncio
import sys

from solar2prom.core.hub import Hub
from solar2prom.outputs.mqtt import MqttConfig, MqttOutput
from tests.outputs import synthetic


async def main(port: int) -> None:
    hub = Hub()
    output = MqttOutput(MqttConfig(url=f"mqtt://127.0.0.1:{port}", client_id="child"), hub)
    hub.publish(synthetic.snapshot())
    await output.start()
    await output.settled()
    print("published", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
