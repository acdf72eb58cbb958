"""The Example / SequenceExample message classes of tf_example.proto, compiled with Debian's
protoc (protobuf-compiler) for python3-protobuf; used by the tests and the benchmark as the
reference encoder and decoder."""

import importlib
import os
import subprocess
import sys
import tempfile

_HERE = os.path.dirname(os.path.abspath(__file__))


def load(out_dir=None):
    """Compiles tf_example.proto into out_dir (a fresh temporary directory by default) and
    returns the generated module."""
    out_dir = out_dir or tempfile.mkdtemp(prefix="seqfeat_pb_")
    subprocess.run(["protoc", f"--proto_path={_HERE}", f"--python_out={out_dir}",
                    "tf_example.proto"], check=True)
    sys.path.insert(0, out_dir)
    try:
        return importlib.import_module("tf_example_pb2")
    finally:
        sys.path.remove(out_dir)
