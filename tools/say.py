"""What the Makefile says, in the student's language: `python3 tools/say.py KEY [NAME=VALUE ...]`.

It prints tools/messages.py's text `KEY` with its fields filled in. It runs with the system's
python3, before anything is installed, so it uses the standard library only.
"""

import sys

import messages


def main(arguments: list[str]) -> None:
    key, *pairs = arguments
    fields = dict(pair.split("=", 1) for pair in pairs)
    print(messages.say(key, **fields))


if __name__ == "__main__":
    main(sys.argv[1:])
