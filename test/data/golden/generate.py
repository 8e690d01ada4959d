#!/usr/bin/env python3
"""Golden label maps for test/segment/segment-golden.test.ts, made with scikit-image 0.19.3 (Debian's
python3-skimage, the reference version): quickshift with Gaussian pre-smoothing (sigma > 0) and SLIC,
on 64 x 64 crops of two shared photos. The crops are cut by slicing (no resampling), so both sides
decode the same pixels.

Run from the repository root:  /usr/bin/python3 test/data/golden/generate.py
Writes test/data/golden/NAME.png (the crop), NAME.CASE.i32 (int32 LE,
row-major) and cases.json (parameters, segment counts, scikit-image version).
"""
import json
import os

import numpy as np
import skimage
from PIL import Image
from skimage.segmentation import quickshift, slic

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, '..', '..', '..', '..', 'shared', 'images')
CROPS = {  # name: (photo, top, left)
    'chelsea_crop': ('chelsea.png', 60, 140),
    'coffee_crop': ('coffee.png', 120, 200),
}
CASES = {
    'qs_sigma0.5': ('quickshift', dict(kernel_size=2, max_dist=6, ratio=0.5, sigma=0.5, random_seed=42)),
    'qs_sigma1': ('quickshift', dict(kernel_size=2, max_dist=6, ratio=0.5, sigma=1.0, random_seed=42)),
    'qs_sigma2': ('quickshift', dict(kernel_size=2, max_dist=4, ratio=0.3, sigma=2.0, random_seed=7)),
    'slic_sigma0': ('slic', dict(n_segments=40, compactness=10.0, sigma=0.0, start_label=0)),
    'slic_sigma1': ('slic', dict(n_segments=40, compactness=10.0, sigma=1.0, start_label=0)),
}

def main():
    out = {'skimage': skimage.__version__, 'crops': {}, 'cases': {}}
    for name, (photo, top, left) in CROPS.items():
        img = np.asarray(Image.open(os.path.join(SHARED, photo)).convert('RGB'))[top:top + 64, left:left + 64]
        Image.fromarray(img).save(os.path.join(HERE, f'{name}.png'))
        out['crops'][name] = {'photo': photo, 'top': top, 'left': left}
        for case, (method, params) in CASES.items():
            labels = quickshift(img, **params) if method == 'quickshift' else slic(img, **params)
            labels.astype('<i4').tofile(os.path.join(HERE, f'{name}.{case}.i32'))
            out['cases'].setdefault(case, {'method': method, 'params': params, 'segments': {}})
            out['cases'][case]['segments'][name] = int(labels.max()) + 1
    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')

if __name__ == '__main__':
    main()
