"""Make the calibration subset: the first 100 training images of each class, in file order.

    python3 make_calib.py DIR_WITH_TRAIN_FILES

DIR holds Fashion-MNIST's train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz (Debian's
package dataset-fashion-mnist puts them under /usr/share/datasets/fashion-mnist/). Writes
calib-1000-images-idx3-ubyte.gz and calib-1000-labels-idx1-ubyte.gz beside this script. The
output is byte-for-byte reproducible: gzip with mtime 0 and no file name in the header.
"""
import gzip
import os
import struct
import sys

import numpy as np

PER_CLASS = 100
CLASSES = 10


def read_idx(path, magic):
    raw = gzip.open(path, 'rb').read()
    ndim = magic & 0xFF
    header = struct.unpack('>' + 'I' * (1 + ndim), raw[: 4 * (1 + ndim)])
    assert header[0] == magic, f'{path}: magic {header[0]:#010x}, expected {magic:#010x}'
    shape = header[1:]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 * (1 + ndim))
    assert data.size == np.prod(shape), f'{path}: {data.size} bytes for shape {shape}'
    return data.reshape(shape)


def write_idx(path, magic, array):
    header = struct.pack('>' + 'I' * (1 + array.ndim), magic, *array.shape)
    with open(path, 'wb') as f:
        f.write(gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0))


def main(src):
    images = read_idx(os.path.join(src, 'train-images-idx3-ubyte.gz'), 0x00000803)
    labels = read_idx(os.path.join(src, 'train-labels-idx1-ubyte.gz'), 0x00000801)
    # Indices of the first PER_CLASS examples of each class, then back into file order, so the
    # subset interleaves classes as the training set does (a truncated read stays balanced-ish).
    picked = np.sort(np.concatenate([np.flatnonzero(labels == c)[:PER_CLASS] for c in range(CLASSES)]))
    assert picked.size == PER_CLASS * CLASSES
    here = os.path.dirname(os.path.abspath(__file__))
    write_idx(os.path.join(here, 'calib-1000-images-idx3-ubyte.gz'), 0x00000803, images[picked])
    write_idx(os.path.join(here, 'calib-1000-labels-idx1-ubyte.gz'), 0x00000801, labels[picked])
    print(f'{picked.size} images, training-set indices {picked[0]}..{picked[-1]}')


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
