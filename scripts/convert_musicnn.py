"""Convert MusiCNN's MSD model out of the ``musicnn`` wheel, and record reference outputs.

Three sub-commands (see docs/MUSICNN.md for the whole procedure):

``convert WHEEL``
    Reads the TensorFlow-1 checkpoint ``musicnn/MSD_musicnn/`` straight out of the
    ``musicnn`` 0.1.0 wheel (or its unpacked folder) with the plain-Python reader below —
    no TensorFlow — and writes ``trace/audio/models/musicnn_msd.npz`` (float32, the
    names of ``NAMES``) and ``trace/audio/models/MUSICNN-LICENSE.md``. Runs in TRACE's
    ``.venv``.
``patches OUT``
    Computes, with TRACE's own ``trace.audio.musicnn``, the log-mel patches of the
    generated signal of ``tests/test_musicnn.py`` and saves them to ``OUT``. Runs in
    TRACE's ``.venv``.
``reference PATCHES OUT``
    Runs the real ``musicnn`` package (its ``models.define_model`` graph and its
    checkpoint) under TensorFlow on those patches and saves the penultimate layer and the
    taggram to ``OUT`` (``tests/data/musicnn_reference.npz``). It also checks that the
    plain-Python reader gives exactly TensorFlow's weights. Runs in a scratch TensorFlow
    environment, never in TRACE's.

The checkpoint format: ``.index`` is a LevelDB-format table (SSTable) of sorted keys —
tensor names — to ``BundleEntryProto`` messages (dtype, shape, shard, offset, size,
CRC32C); the key ``""`` holds the bundle header. ``.data-00000-of-00001`` holds each
tensor's raw little-endian bytes at its entry's offset.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "trace" / "audio" / "models"
CHECKPOINT = "musicnn/MSD_musicnn/"
LICENSE = "musicnn-0.1.0.dist-info/LICENSE.md"
WHEEL_SHA256 = "f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa"
"""``pip download --no-deps musicnn==0.1.0``'s wheel, from which the npz was made."""

# -- names: TRACE's npz name ← the checkpoint's variable scope --------------------------
# The checkpoint's scopes are TF's automatic layer names, numbered in the order
# musicnn's models.build_musicnn creates the layers.
LAYERS = {
    "input_bn": "batch_normalization",  # BN of the log-mel input (1 channel)
    "timbral_38": ("conv2d", "batch_normalization_1"),  # 7x38 conv, 204 filters
    "timbral_67": ("conv2d_1", "batch_normalization_2"),  # 7x67 conv, 204 filters
    "temporal_128": ("conv2d_2", "batch_normalization_3"),  # 128x1 conv, 51 filters
    "temporal_64": ("conv2d_3", "batch_normalization_4"),  # 64x1 conv, 51 filters
    "temporal_32": ("conv2d_4", "batch_normalization_5"),  # 32x1 conv, 51 filters
    "mid_1": ("conv2d_5", "batch_normalization_6"),  # 7 frames x 561 -> 64
    "mid_2": ("conv2d_6", "batch_normalization_7"),  # 7 frames x 64 -> 64, residual
    "mid_3": ("conv2d_7", "batch_normalization_8"),  # 7 frames x 64 -> 64, residual
    "pool_bn": "batch_normalization_9",  # BN of the 1506 pooled values
    "penultimate": ("dense", "batch_normalization_10"),  # 1506 -> 200, ReLU, BN
    "logits": ("dense_1", None),  # 200 -> 50
}
BN_PARTS = {"gamma": "gamma", "beta": "beta", "mean": "moving_mean", "var": "moving_variance"}


def npz_names() -> dict[str, str]:
    """Every npz name → its checkpoint variable name."""
    names = {}
    for layer, scopes in LAYERS.items():
        conv, bn = (None, scopes) if isinstance(scopes, str) else scopes
        if conv:
            names[f"{layer}/kernel"] = f"{conv}/kernel"
            names[f"{layer}/bias"] = f"{conv}/bias"
        if bn:
            for part, variable in BN_PARTS.items():
                names[f"{layer}/{part}"] = f"{bn}/{variable}"
    return names


NAMES = npz_names()


# -- a plain-Python reader of TF's tensor-bundle checkpoints ----------------------------
def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data``, as TensorFlow and LevelDB compute it."""
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _unmask(masked: int) -> int:
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def _block(table: bytes, offset: int, size: int) -> list[tuple[bytes, bytes]]:
    """The (key, value) entries of one SSTable block (uncompressed, prefix-coded keys)."""
    if table[offset + size] != 0:
        raise ValueError("compressed SSTable blocks are not supported")
    (stored,) = struct.unpack_from("<I", table, offset + size + 1)
    if _unmask(stored) != crc32c(table[offset : offset + size + 1]):
        raise ValueError("SSTable block checksum mismatch")
    block = table[offset : offset + size]
    (restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    end = len(block) - 4 - 4 * restarts
    entries, key, pos = [], b"", 0
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        length, pos = _varint(block, pos)
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        entries.append((key, block[pos : pos + length]))
        pos += length
    return entries


def _fields(message: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) of a protobuf message: varints, fixed32s and byte strings."""
    fields, pos = [], 0
    while pos < len(message):
        tag, pos = _varint(message, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(message, pos)
        elif wire == 2:
            length, pos = _varint(message, pos)
            value, pos = message[pos : pos + length], pos + length
        elif wire == 5:
            (value,) = struct.unpack_from("<I", message, pos)
            pos += 4
        elif wire == 1:
            (value,) = struct.unpack_from("<Q", message, pos)
            pos += 8
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
        fields.append((number, value))
    return fields


def read_checkpoint(index: bytes, data: bytes) -> dict[str, np.ndarray]:
    """Every float32 tensor of a single-shard TF checkpoint, by variable name.

    ``index`` is the ``.index`` file's bytes, ``data`` the ``.data-00000-of-00001``'s.
    Each tensor's CRC32C is checked.
    """
    if struct.unpack_from("<Q", index, len(index) - 8)[0] != 0xDB4775248B80FB57:
        raise ValueError("not an SSTable: bad magic number")
    footer, pos = index[-48:], 0
    _meta_offset, pos = _varint(footer, pos)
    _meta_size, pos = _varint(footer, pos)
    index_offset, pos = _varint(footer, pos)
    index_size, pos = _varint(footer, pos)
    tensors = {}
    for _, handle in _block(index, index_offset, index_size):
        offset, pos = _varint(handle, 0)
        size, _ = _varint(handle, pos)
        for key, value in _block(index, offset, size):
            if not key:
                continue  # the BundleHeaderProto
            entry = dict.fromkeys((1, 3, 4, 5, 6), 0)
            dims = []
            for number, field in _fields(value):
                if number == 2:  # TensorShapeProto: repeated Dim{size = 1}
                    dims = [dict(_fields(dim)).get(1, 0) for n, dim in _fields(field) if n == 2]
                else:
                    entry[number] = field
            dtype, shard, offset_, size_, crc = (entry[n] for n in (1, 3, 4, 5, 6))
            if dtype != 1 or shard != 0:  # DT_FLOAT in shard 0 only
                raise ValueError(f"{key!r}: dtype {dtype}, shard {shard} not supported")
            raw = data[offset_ : offset_ + size_]
            if _unmask(crc) != crc32c(raw):
                raise ValueError(f"{key!r}: tensor checksum mismatch")
            tensors[key.decode()] = np.frombuffer(raw, "<f4").reshape(dims).copy()
    return tensors


def _wheel_file(wheel: Path, name: str) -> bytes:
    if wheel.is_dir():
        return (wheel / name).read_bytes()
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(name)


def convert(wheel: Path, out: Path) -> None:
    """Write the MSD model's inference weights and the licence into ``out``."""
    if wheel.is_file():
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        note = "the expected wheel" if digest == WHEEL_SHA256 else "NOT the wheel expected"
        print(f"{wheel.name}: sha256 {digest} ({note})")
    variables = read_checkpoint(
        _wheel_file(wheel, CHECKPOINT + ".index"),
        _wheel_file(wheel, CHECKPOINT + ".data-00000-of-00001"),
    )
    weights = {}
    for name, variable in NAMES.items():
        value = variables[variable]
        if name.endswith("/kernel") and value.ndim == 4:
            value = value[:, :, 0, :]  # (time, freq, in=1, out) → (time, freq, out)
            if value.shape[1] == 1:
                value = value[:, 0, :]  # temporal: (time, out)
        weights[name] = np.ascontiguousarray(value, np.float32)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "musicnn_msd.npz", **weights)
    licence = _wheel_file(wheel, LICENSE).decode().strip()
    (out / "MUSICNN-LICENSE.md").write_text(
        "# MusiCNN weights: licence and provenance\n\n"
        "`musicnn_msd.npz` holds the trained weights of MusiCNN's MSD model (Pons & Serra,\n"
        '"musicnn: pre-trained convolutional neural networks for music audio tagging",\n'
        "ISMIR 2019 late-breaking demo), trained on the Million Song Dataset's audio\n"
        "previews and its Last.fm tags. They were converted from the TensorFlow checkpoint\n"
        "`musicnn/MSD_musicnn/` in the PyPI wheel `musicnn-0.1.0-py3-none-any.whl` by\n"
        "`scripts/convert_musicnn.py` (no change to any value). The package's licence:\n\n"
        f"{licence}\n"
    )
    count = sum(w.size for w in weights.values())
    size = (out / "musicnn_msd.npz").stat().st_size
    print(f"{len(weights)} arrays, {count} weights, {size} bytes → {out / 'musicnn_msd.npz'}")


def patches(out: Path) -> None:
    """Save TRACE's log-mel patches of the test signal (run in TRACE's .venv)."""
    sys.path.insert(0, str(ROOT))
    from trace.audio import musicnn

    spec = importlib.util.spec_from_file_location("_test", ROOT / "tests" / "test_musicnn.py")
    test = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test)
    signal = test.reference_signal()
    cut = musicnn.patches(log_mel=musicnn.log_mel(signal, rate=musicnn.RATE))
    np.savez(out, patches=cut)
    print(f"{cut.shape} patches → {out}")


def reference(patches_file: Path, out: Path) -> None:
    """Run the real musicnn under TensorFlow on saved patches (scratch environment only)."""
    import tensorflow as tf
    from musicnn import configuration, models

    tf.compat.v1.disable_eager_execution()
    cut = np.load(patches_file)["patches"].astype(np.float32)
    checkpoint = str(Path(models.__file__).parent / "MSD_musicnn") + "/"

    # 1. the plain-Python reader gives exactly TensorFlow's weights
    reader = tf.compat.v1.train.NewCheckpointReader(checkpoint)
    converted = np.load(MODELS / "musicnn_msd.npz")
    for name, variable in NAMES.items():
        expected = reader.get_tensor(variable)
        assert np.array_equal(converted[name], expected.reshape(converted[name].shape)), name
    print(f"weights: all {len(NAMES)} arrays identical to TensorFlow's checkpoint reader")

    # 2. musicnn's own graph, inference mode, every patch in one run
    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, cut.shape[1], configuration.N_MELS])
        training = tf.compat.v1.placeholder(tf.bool)
        y, *_, penultimate = models.define_model(x, training, "MSD_musicnn", 50)
        taggram = tf.nn.sigmoid(y)
    with tf.compat.v1.Session() as session:
        tf.compat.v1.train.Saver().restore(session, checkpoint)
        tags, embedding = session.run([taggram, penultimate], {x: cut, training: False})
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        penultimate=embedding.astype(np.float32),
        taggram=tags.astype(np.float32),
        patch_mean=cut.mean(axis=(1, 2)),
        patch_std=cut.std(axis=(1, 2)),
        labels=np.array(configuration.MSD_LABELS),
        versions=np.array([f"tensorflow {tf.__version__}", f"numpy {np.__version__}"]),
    )
    print(f"penultimate {embedding.shape}, taggram {tags.shape} → {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("convert", help="checkpoint → trace/audio/models/ (no TF)")
    one.add_argument("wheel", type=Path, help="musicnn-0.1.0-py3-none-any.whl or its folder")
    one.add_argument("--out", type=Path, default=MODELS)
    two = commands.add_parser("patches", help="TRACE's log-mel patches of the test signal")
    two.add_argument("out", type=Path)
    three = commands.add_parser("reference", help="musicnn + TensorFlow on those patches")
    three.add_argument("patches", type=Path)
    three.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.command == "convert":
        convert(args.wheel, args.out)
    elif args.command == "patches":
        patches(args.out)
    else:
        reference(args.patches, args.out)


if __name__ == "__main__":
    main()
