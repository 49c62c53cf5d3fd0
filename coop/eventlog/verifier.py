"""Standalone verifier of a published event log: no database, only the public API.

    python -m coop.eventlog.verifier --url https://atelier.example [--checkpoint kept.json]
                                     [--save kept.json] [--public-key HEX] [--token API_KEY]

It fetches the latest signed checkpoint and checks its Ed25519 signature (against
`--public-key`, or the key of the kept checkpoint, or else trusts the key on first use and
says so); walks the whole feed re-deriving every leaf from its envelope and every chain hash;
rebuilds the RFC 9162 tree head and compares it with the signed root. With a checkpoint kept
from an earlier run (`--checkpoint`, written by `--save`), it asks the server for a
consistency proof from the kept size and checks it against the kept root: a rewritten
history fails. When the kept file also holds the leaf hashes (it does when written by
`--save`), the first rewritten position is named. Exit status 0 when all holds, 1 otherwise.

Imports only the standard library, `cryptography` and the pure modules of this package."""

import argparse
import json
import sys
import urllib.parse
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from coop.eventlog import merkle
from coop.eventlog.canonical import canonical_bytes
from coop.eventlog.leaves import GENESIS, chain_next, leaf_of, payload_hash

PAGE = 1000


class VerificationFailed(Exception):
    def __init__(self, message, position=None):
        super().__init__(message)
        self.position = position


def http_fetcher(base_url, token=None, timeout=30):
    base = base_url.rstrip("/")

    def fetch(path, params=None):
        url = path if path.startswith("http") else base + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    return fetch


def checkpoint_message(checkpoint):
    return canonical_bytes({"chain": checkpoint["chain_hash"], "origin": checkpoint["origin"],
                            "root": checkpoint["root"], "size": checkpoint["size"], "time": checkpoint["time"]})


def check_signature(checkpoint, public_key_hex):
    if checkpoint["public_key"] != public_key_hex:
        raise VerificationFailed(f"checkpoint of size {checkpoint['size']} is signed by key "
                                 f"{checkpoint['public_key']}, not the expected {public_key_hex}",
                                 position=checkpoint["size"])
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(
            bytes.fromhex(checkpoint["signature"]), checkpoint_message(checkpoint))
    except (InvalidSignature, ValueError):
        raise VerificationFailed(f"checkpoint of size {checkpoint['size']}: bad signature",
                                 position=checkpoint["size"])


def verify(fetch, *, kept=None, public_key=None, out=print):
    """Verify the log behind `fetch(path, params) -> JSON`. Returns the state to keep
    (the latest checkpoint and every leaf hash). Raises VerificationFailed."""
    latest = fetch("/api/eventlog/checkpoints/latest/")
    key = public_key or (kept or {}).get("checkpoint", {}).get("public_key")
    if key is None:
        key = latest["public_key"]
        out(f"Trusting the federation's key on first use: {key} (pass --public-key to pin it).")
    check_signature(latest, key)
    size = latest["size"]
    kept_checkpoint = (kept or {}).get("checkpoint")
    if kept_checkpoint:
        check_signature(kept_checkpoint, key)
        if kept_checkpoint["size"] > size:
            raise VerificationFailed(f"the log shrank: the kept checkpoint has size {kept_checkpoint['size']}, "
                                     f"the latest {size}", position=size + 1)

    frontier = merkle.Frontier()
    chain = GENESIS
    leaves = []
    kept_root_seen = None
    after = 0
    payloads_checked = 0
    while after < size:
        page = fetch("/api/eventlog/events/", {"after": after, "limit": PAGE})
        if not page["results"]:
            raise VerificationFailed(f"the feed ends at position {after} but the checkpoint signs {size}",
                                     position=after + 1)
        for event in page["results"]:
            position = event["position"]
            if position != after + 1:
                raise VerificationFailed(f"position {after + 1} is missing from the feed", position=after + 1)
            if position > size:
                break
            leaf = leaf_of(position=position, time=event["time"], coop=event["coop"], type=event["type"],
                           subject_type=event["subject_type"], subject_id=event["subject_id"],
                           payload_hash_hex=event["payload_hash"])
            if leaf.hex() != event["leaf_hash"]:
                raise VerificationFailed(f"position {position}: the envelope does not hash to its leaf",
                                         position=position)
            chain = chain_next(chain, leaf)
            if chain.hex() != event["chain_hash"]:
                raise VerificationFailed(f"position {position}: the chain hash is broken", position=position)
            if "salt" in event:
                if payload_hash(bytes.fromhex(event["salt"]), canonical_bytes(event["payload"])).hex() \
                        != event["payload_hash"]:
                    raise VerificationFailed(f"position {position}: the payload does not match its hash",
                                             position=position)
                payloads_checked += 1
            frontier.append(leaf)
            leaves.append(leaf.hex())
            if kept_checkpoint and position == kept_checkpoint["size"]:
                kept_root_seen = frontier.root().hex()
            after = position
    if frontier.root().hex() != latest["root"] or chain.hex() != latest["chain_hash"]:
        raise VerificationFailed(f"the feed does not match the signed checkpoint of size {size}")

    if kept_checkpoint:
        first = kept_checkpoint["size"]
        if first == size:
            proof = {"proof": []}
        else:
            proof = fetch("/api/eventlog/proofs/consistency/", {"first": first, "second": size})
        try:
            merkle.verify_consistency(first, size, [bytes.fromhex(h) for h in proof["proof"]],
                                      bytes.fromhex(kept_checkpoint["root"]), bytes.fromhex(latest["root"]))
            consistent = kept_root_seen == kept_checkpoint["root"]
        except merkle.ProofError:
            consistent = False
        if not consistent:
            position = _first_difference(kept.get("leaves") or [], leaves)
            where = f"first rewritten position: {position}" if position else f"somewhere in positions 1..{first}"
            raise VerificationFailed(f"history was rewritten: the log is not an extension of the kept checkpoint "
                                     f"of size {first} ({where})", position=position)
        out(f"Consistent with the kept checkpoint of size {first}.")
    out(f"OK: {size} events verified against the checkpoint signed by {latest['key_id']} "
        f"(root {latest['root']}); {payloads_checked} payloads checked against their hashes.")
    return {"checkpoint": latest, "leaves": leaves}


def _first_difference(old, new):
    for position, (a, b) in enumerate(zip(old, new, strict=False), start=1):
        if a != b:
            return position
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m coop.eventlog.verifier", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the Atelier server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--checkpoint", help="a checkpoint file kept from an earlier run (see --save)")
    parser.add_argument("--save", help="write the verified checkpoint and leaf hashes to this file")
    parser.add_argument("--public-key", help="the federation's Ed25519 public key (hex) to pin")
    parser.add_argument("--token", help="an API key, to also check the payloads it may read")
    args = parser.parse_args(argv)
    kept = None
    if args.checkpoint:
        with open(args.checkpoint) as handle:
            kept = json.load(handle)
            if "checkpoint" not in kept:  # a bare checkpoint as the API returns it
                kept = {"checkpoint": kept}
    try:
        state = verify(http_fetcher(args.url, args.token), kept=kept, public_key=args.public_key)
    except VerificationFailed as exc:
        print(f"FAILED: {exc}")
        return 1
    if args.save:
        with open(args.save, "w") as handle:
            json.dump(state, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
