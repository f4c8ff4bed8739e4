"""The lab's manifest.json for one stand-in layout (the contract read by src/diffusion/manifest.ts), and
the small files a model folder carries besides its graphs (scheduler config, tokenizer)."""

from __future__ import annotations

import hashlib
import json
import os

import onnx

# runwayml/stable-diffusion-v1-5's scheduler/scheduler_config.json: PNDM, no timestep_spacing field.
SD15_SCHEDULER = {
    "_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0",
    "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
    "num_train_timesteps": 1000, "set_alpha_to_one": False, "skip_prk_steps": True,
    "steps_offset": 1, "trained_betas": None, "clip_sample": False,
}
# ComfyUI's SD15 latent_rgb_factors, rows R, G, B plus a zero bias, as in public/models/sd15-nmkd-fp16.
SD15_PREVIEW_MATRIX = [[0.3512, 0.325, -0.2829, -0.212, 0.0], [0.2297, 0.4974, 0.1762, -0.2616, 0.0],
                       [0.3227, 0.235, 0.2721, -0.7177, 0.0]]


def write_json(path: str, obj) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def file_entry(folder: str, rel: str) -> dict:
    path = os.path.join(folder, rel)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return {"file": rel, "bytes": os.path.getsize(path), "sha256": h.hexdigest()}


def block_outputs(graph_path: str, paths: list[str]) -> dict[str, str]:
    """Each block's output value in a scoped graph: the output of the last node in the block's scope
    (`/up_blocks.1/attentions.1/...`; nodes are topologically sorted, so that is the residual Add or
    the resnet's Div). Empty for unscoped graphs: there the lab has to find the blocks itself."""
    g = onnx.load(graph_path, load_external_data=False).graph
    prefixes = {p: "/" + "/".join(_scope_parts(p)) + "/" for p in paths}
    last: dict[str, str] = {}
    for node in g.node:
        for p, prefix in prefixes.items():
            if node.name.startswith(prefix):
                last[p] = node.output[0]
    return last


def _scope_parts(path: str) -> list[str]:
    """'up_blocks.1.attentions.0' -> ['up_blocks.1', 'attentions.0'] (torch.onnx scope names)."""
    parts, out, i = path.split("."), [], 0
    while i < len(parts):
        if i + 1 < len(parts) and parts[i + 1].isdigit():
            out.append(parts[i] + "." + parts[i + 1])
            i += 2
        else:
            out.append(parts[i])
            i += 1
    return out


def manifest(layout, size, folder: str, files: dict, hooks: list[dict], parameters: dict, notes: list[str]) -> dict:
    """`files`: the layout's paths inside `folder` (text_encoder, unet, unet_data, vae_decoder, tokenizer,
    scheduler). Byte sizes and SHA-256 are read from the written files."""
    unet = {**file_entry(folder, files["unet"]), "timestepDtype": layout.timestep_dtype,
            "timestepShape": ["batch"] if layout.dynamic else [2]}
    if files.get("unet_data"):
        unet["externalData"] = {**file_entry(folder, files["unet_data"]),
                                "location": os.path.basename(files["unet_data"])}
    outputs = block_outputs(os.path.join(folder, files["unet"]), [h["path"] for h in hooks])
    return {
        "name": f"sd15-standin-{size.name}-{layout.name}",
        "description": (f"SD 1.5's architecture with random weights ({size.name} widths), exported like the "
                        f"{layout.description}. For tests: images are noise."),
        "imageSize": size.image_size if layout.dynamic else size.webnn_latent * 8,
        "latentChannels": 4,
        "vaeScaleFactor": 8,
        "latentScale": size.vae.scaling_factor,
        "precision": "fp16",
        "textEncoder": {**file_entry(folder, files["text_encoder"]), "contextLength": 77,
                        "hiddenSize": size.text.hidden_size, "padTokenId": size.eos_token_id,
                        "bosTokenId": size.bos_token_id, "eosTokenId": size.eos_token_id},
        "unet": unet,
        "vaeDecoder": file_entry(folder, files["vae_decoder"]),
        "tokenizer": files["tokenizer"],
        "scheduler": files["scheduler"],
        "sampler": {"name": "ddim", "steps": 25, "guidanceScale": 7.5},
        "hooks": [{**h, **({"onnxOutput": outputs[h["path"]]} if h["path"] in outputs else {})} for h in hooks],
        "previewMatrix": SD15_PREVIEW_MATRIX,
        "parameters": parameters,
        "notes": notes,
    }
