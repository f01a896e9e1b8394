"""Errors and retries: every failure is a typed ``MeganovaError``; transient ones are
retried (with ``Retry-After`` honoured) before you see them.

    MEGANOVA_API_KEY=... python examples/errors_and_retries.py
"""

from __future__ import annotations

from meganova import MegaNova, MeganovaError
from meganova.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    InvalidArgumentError,
    RateLimitError,
)

MODEL = "meganova-ai/manta-flash-1.0"


def ask(client: MegaNova, question: str) -> str:
    try:
        resp = client.chat.create(
            messages=[{"role": "user", "content": question}], model=MODEL, max_tokens=100
        )
    except RateLimitError as error:
        return f"rate-limited after {error.attempts} attempt(s); retry after {error.retry_after} s"
    except AuthenticationError:
        return "the key was refused: check MEGANOVA_API_KEY"
    except APITimeoutError:
        return "no answer in time"
    except APIConnectionError as error:
        return f"network problem: {error}"
    except MeganovaError as error:
        # status, code and the server's request id (quote it when you ask for support)
        return f"API error {error.status} {error.code}: {error.message} ({error.request_id})"
    return resp.text


def main() -> None:
    # Up to 4 retries with exponential backoff; no call may take more than 60 s in all.
    with MegaNova(max_retries=4, deadline=60) as client:
        print(ask(client, "Hi Luna!"))

        # Where a duplicate must never happen, switch retries off for that part.
        careful = client.with_options(max_retries=0, timeout=(5, 30))
        print(ask(careful, "One answer, exactly once."))

        # Bad arguments fail at once, naming the argument, before anything is sent.
        try:
            client.chat.create(messages=[], model=MODEL)
        except InvalidArgumentError as error:
            print(f"invalid argument {error.argument!r}: {error}")


if __name__ == "__main__":
    main()
