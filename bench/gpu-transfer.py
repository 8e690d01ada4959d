#!/usr/bin/env python3
# python3 bench/gpu-transfer.py — what a GPU changes for limeshap (issue 11), with PyTorch on a CUDA
# machine (no Node.js needed: the machine this was measured on had none, and its onnxruntime has no
# CUDA provider). Prints JSON, ms per LIME explanation of 1000 samples at batch 64:
# 1. onnxruntime's providers in this image; 2. host->device transfer of one LIME explanation's
# model input (1000 samples of 3x224x224 float32 = 602 MB) pageable and pinned, against the
# graph-compositing inputs (masks + image + background + labels per batch); 3. compositing on the
# device (gather + where, what compositing:'graph' prepends) for 1000 samples; 4. inference of
# SqueezeNet 1.1 and MobileNetV2 (torchvision architectures, random weights: timing only) for 1000
# samples at batch 64, fp32 and fp16, so the transfer can be set against the model's own time.
import json, time, sys
import numpy as np
out = {}
try:
    import onnxruntime as ort
    out['ort'] = {'version': ort.__version__, 'providers': ort.get_available_providers()}
except Exception as e:
    out['ort'] = {'error': repr(e)}
import torch, torchvision
dev = torch.device('cuda')
out['gpu'] = torch.cuda.get_device_name(0)
N, B, H, W, M = 1000, 64, 224, 224, 40
def timed(fn, reps=5):
    fn(); torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        torch.cuda.synchronize(); t = time.perf_counter(); fn(); torch.cuda.synchronize(); ts.append((time.perf_counter() - t) * 1000)
    return float(np.median(ts))
# 2. transfers, in batches of B as the engine sends them
host = torch.empty((B, 3, H, W), dtype=torch.float32).uniform_()
pinned = host.pin_memory()
batches = -(-N // B)
def send(x):
    for _ in range(batches): x.to(dev, non_blocking=False)
out['native_bytes_per_image'] = N * 3 * H * W * 4
out['h2d_pageable_ms_per_image'] = timed(lambda: send(host))
out['h2d_pinned_ms_per_image'] = timed(lambda: send(pinned))
masks = torch.randint(0, 2, (B, M), dtype=torch.uint8)
img = torch.randint(0, 256, (H, W, 3), dtype=torch.uint8)
bg = torch.randint(0, 256, (H, W, 3), dtype=torch.uint8)
labels = torch.randint(0, M, (1, H * W), dtype=torch.uint8)
def send_graph():
    for _ in range(batches):
        for t in (masks, img, bg, labels): t.to(dev)
out['graph_bytes_per_image'] = batches * (B * M + 7 * H * W) 
out['h2d_graph_ms_per_image'] = timed(send_graph)
# 3. compositing on the device: table lookup, gather of each pixel's mask bit, select
lut = torch.rand(3 * 256, device=dev)
dimg, dbg, dlab, dmask = img.to(dev), bg.to(dev), labels.to(dev).long().view(-1), masks.to(dev).bool()
chan = torch.arange(3, device=dev).view(1, 1, 3) * 256
def composite():
    a = lut[(dimg.long() + chan)].permute(2, 0, 1)
    b = lut[(dbg.long() + chan)].permute(2, 0, 1)
    for _ in range(batches):
        keep = dmask[:, dlab].view(B, 1, H, W)
        torch.where(keep, a, b)
out['device_composite_ms_per_image'] = timed(composite)
# 4. inference
torch.backends.cudnn.benchmark = True
for name, ctor in (('squeezenet1_1', torchvision.models.squeezenet1_1), ('mobilenet_v2', torchvision.models.mobilenet_v2)):
    for dt in (torch.float32, torch.float16):
        m = ctor(weights=None).eval().to(dev, dt)
        x = torch.rand((B, 3, H, W), device=dev, dtype=dt)
        def infer():
            with torch.inference_mode():
                for _ in range(batches): m(x)
        out[f'infer_{name}_{str(dt).split(".")[1]}_ms_per_image'] = timed(infer)
print(json.dumps(out, indent=1))
