"""Command line: python -m mextrain {info,train,export,import-official,fixtures} ..."""
import argparse
import json
import os
import statistics
import sys


def cmd_info(a):
    from .config import ModelConfig
    from .model import SKDTSTSAN, count_macs, count_parameters
    m = SKDTSTSAN(ModelConfig(num_classes=a.classes))
    macs = count_macs(m)
    info = {"classes": a.classes, "parameters_with_aux": count_parameters(m),
            "parameters_inference": count_parameters(m, inference_only=True),
            "macs_per_inference": macs, "flops_per_inference": 2 * macs}
    if a.json:
        print(json.dumps(info))
    else:
        print(f"SKD-TSTSAN, {a.classes} classes")
        print(f"  parameters, with auxiliary classifiers: {info['parameters_with_aux']:,}")
        print(f"  parameters, inference path:             {info['parameters_inference']:,}")
        print(f"  one inference (1x38x48x48): {macs:,} MACs = {2 * macs / 1e9:.3f} GFLOPs")


def cmd_bench(a):
    """Batch-1 latency of the inference path: PyTorch eager vs OpenCV DNN on the same weights."""
    import statistics
    import tempfile
    import time
    import cv2
    import numpy as np
    import torch
    from .export import export_onnx
    from .fixtures import parity_model, varied_inputs
    model = parity_model(seed=11, num_classes=a.classes, small=False)
    x = varied_inputs(8, torch.Generator().manual_seed(5))
    with tempfile.TemporaryDirectory() as d:
        export_onnx(model, os.path.join(d, "m.onnx"))
        net = cv2.dnn.readNetFromONNX(os.path.join(d, "m.onnx"))
    with torch.no_grad():
        ref = model(x).numpy()
    net.setInput(x.numpy())
    print(f"OpenCV {cv2.__version__} DNN vs PyTorch {torch.__version__}, N=8: "
          f"max abs logit difference {np.abs(net.forward() - ref).max():.2e} (logits {ref.min():.1f}..{ref.max():.1f})")

    def median_ms(f):
        for _ in range(5):
            f()
        ts = []
        for _ in range(a.runs):
            t = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t)
        return 1000 * statistics.median(ts)

    x1 = x[:1]
    for th in (int(t) for t in a.threads.split(",")):
        torch.set_num_threads(th)
        cv2.setNumThreads(th)

        def torch_once():
            with torch.no_grad():
                model(x1)

        def cv_once():
            net.setInput(x1.numpy())
            net.forward()
        print(f"{th} thread(s), batch 1, median of {a.runs}: PyTorch eager {median_ms(torch_once):.1f} ms, "
              f"OpenCV DNN {median_ms(cv_once):.1f} ms")


def event_step(a):
    """The preprocessing --event-step names: the authors' (TV-L1 to convergence, no registration) or
    mexd's bounded step (registration and TVL1_BOUNDED); recorded in the checkpoint and the card."""
    from . import preprocess
    if a.event_step == "bounded":
        return preprocess.PreprocessConfig.bounded(jpeg_roundtrip=not a.no_jpeg)
    return preprocess.PreprocessConfig(jpeg_roundtrip=not a.no_jpeg)


def cmd_train(a):
    import numpy as np
    from . import data, preprocess
    from .config import ModelConfig, TrainConfig
    from .export import export, save_checkpoint
    from .train import build_tensors, loso, save_results, train_all

    if a.threads:
        import torch
        torch.set_num_threads(a.threads)
    g = data.get_grouping(a.dataset, a.grouping)
    samples = data.load(a.dataset, a.root, g.name, annotations=a.annotations, skip_bad_rows=a.skip_bad_rows)
    if not samples:
        sys.exit(f"no samples for {g.name} under {a.root}")
    pcfg = event_step(a)
    x = build_tensors(samples, a.cache or os.path.join(a.out, "cache"), a.face_box, pcfg)
    y = np.array([s.label for s in samples])
    subjects = [s.subject for s in samples]
    batch = a.batch_size or (32 if a.dataset == "casme3" else 16)       # section 4.2
    max_iter = a.max_iter or (10000 if a.dataset == "ckplus" else 20000)
    cfg = TrainConfig(batch_size=batch, max_iter=max_iter, protocol=a.protocol, loss_form=a.loss_form,
                      early_stop_patience=a.patience, eval_every=a.eval_every,
                      seed=a.seed, threads=a.threads)
    mcfg = ModelConfig(num_classes=len(g.classes), amp_factor=a.amp_factor)
    os.makedirs(a.out, exist_ok=True)
    training = {"dataset": a.dataset, "grouping": g.name, "samples": len(samples),
                "subjects": len(set(subjects)), "pretrained": a.pretrained}
    results, steps = None, max_iter
    if not a.no_loso:
        results = loso(x, y, subjects, g.classes, cfg, mcfg, a.pretrained)
        results.update(dataset=a.dataset, grouping=g.name)
        save_results(results, a.out)
        m = results["metrics"]
        print(f"{g.name} LOSO, {a.protocol} protocol: UF1 {m['uf1']:.4f} UAR {m['uar']:.4f}")
        for c, v in results["per_classifier"].items():
            print(f"  classifier {c}: UF1 {v['uf1']:.4f} UAR {v['uar']:.4f}")
        steps = int(statistics.median(f["best_step"] for f in results["folds"]))
    if a.no_loso or a.final:
        model, hist = train_all(x, y, g.classes, cfg, mcfg, steps, a.pretrained)
        save_checkpoint(model, os.path.join(a.out, "model.pt"), g.classes,
                        {"training": training, "preprocess_config": vars(pcfg)})
        metrics = {"loso_" + a.protocol: results["per_classifier"]} if results else {}
        export(model, a.out, g.classes, name="model", training={**training, "steps": steps},
               metrics=metrics, pcfg=pcfg)
        print(f"wrote {a.out}/model.pt, model.onnx, model.json ({steps} steps on all subjects)")


def cmd_export(a):
    from .export import export, load_checkpoint
    from .preprocess import PreprocessConfig
    model, ckpt = load_checkpoint(a.checkpoint)
    pcfg = PreprocessConfig(**ckpt.get("preprocess_config", {}))
    paths = export(model, a.out, ckpt["classes"], name=a.name, training=ckpt.get("training"), pcfg=pcfg)
    print("wrote", *paths)


DEFAULT_NAMES = {3: ["negative", "positive", "surprise"],
                 5: ["happiness", "surprise", "disgust", "repression", "others"]}


def cmd_import_official(a):
    from .export import export, save_checkpoint
    from .official import CheckpointMismatch, read_state_dict, to_model
    names = a.class_names.split(",") if a.class_names else DEFAULT_NAMES.get(a.classes,
                                                                            [f"class{i}" for i in range(a.classes)])
    if len(names) != a.classes:
        sys.exit(f"--class-names has {len(names)} names for --classes {a.classes}")
    try:
        model = to_model(read_state_dict(a.checkpoint), a.classes, a.amp_factor)
    except CheckpointMismatch as e:
        sys.exit(f"import-official: {a.checkpoint}: {e}")
    training = {"source": f"authors' checkpoint {os.path.basename(a.checkpoint)}", "imported_by": "import-official"}
    paths = export(model, a.out, names, name="model", training=training)
    save_checkpoint(model, os.path.join(a.out, "model.pt"), names, {"training": training})
    print("wrote", *paths)


def cmd_preprocess(a):
    import numpy as np
    from . import preprocess
    frames = [preprocess.load_frame(p) for p in (a.onset, a.apex, a.offset)]
    if a.box:
        box = tuple(int(v) for v in a.box.split(","))
    elif a.full:
        h, w = frames[0].shape[:2]
        box = (0, 0, w - 1, h - 1)
    else:
        box = None
    x = preprocess.preprocess_clip(*frames, box=box, cfg=event_step(a))
    np.save(a.out, x)
    print(f"wrote {a.out}: float32 {x.shape}")


def cmd_fixtures(a):
    from .fixtures import write
    m = write(a.outdir)
    print(f"wrote {len(m['files']) + 1} files to {a.outdir}")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m mextrain", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("info", help="parameter count and FLOPs of one inference")
    s.add_argument("--classes", type=int, default=5)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("bench", help="batch-1 latency, PyTorch eager vs OpenCV DNN, and their logit difference")
    s.add_argument("--classes", type=int, default=5)
    s.add_argument("--threads", default="1,2")
    s.add_argument("--runs", type=int, default=30)
    s.set_defaults(func=cmd_bench)

    s = sub.add_parser("train", help="LOSO training/evaluation on one data set (and optional final model)")
    s.add_argument("--dataset", required=True, choices=["casme2", "samm", "mmew", "casme3", "ckplus"])
    s.add_argument("--root", required=True, help="data set folder (layouts in Training/README.md)")
    s.add_argument("--grouping", help="class grouping, e.g. casme2-5, casme2-3, samm-3, mmew-4, casme3-7")
    s.add_argument("--annotations", help="annotation file, if not at its usual place under --root")
    s.add_argument("--out", required=True)
    s.add_argument("--protocol", choices=["honest", "authors"], default="honest")
    s.add_argument("--pretrained", help="checkpoint (e.g. CK+ model.pt) to start from; its fc heads are dropped")
    s.add_argument("--no-loso", action="store_true", help="train once on every subject (CK+ pre-training)")
    s.add_argument("--final", action="store_true", help="after LOSO, train on every subject and export")
    s.add_argument("--face-box", choices=["detect", "full"], default="detect",
                   help="detect: Haar face on the onset frame; full: frames are already face crops")
    s.add_argument("--no-jpeg", action="store_true", help="skip the JPEG q95 round trips of the authors' files")
    s.add_argument("--event-step", choices=["authors", "bounded"], default="authors",
                   help="key-frame preprocessing: the authors' (TV-L1 to convergence) or mexd's bounded step "
                        "(the key frames registered onto the onset, TV-L1 on a fixed budget); default authors")
    s.add_argument("--max-iter", type=int, help="optimiser steps per fold (default 20000; CK+ 10000)")
    s.add_argument("--batch-size", type=int, help="default 16 (32 for casme3)")
    s.add_argument("--loss-form", choices=["code", "paper"], default="code")
    s.add_argument("--patience", type=int, default=50,
                   help="honest protocol: evaluations without inner-validation improvement before stopping")
    s.add_argument("--eval-every", type=int, default=0, help="steps between evaluations (0: once per epoch)")
    s.add_argument("--amp-factor", type=float, default=2.0)
    s.add_argument("--cache", help="tensor cache folder (default OUT/cache)")
    s.add_argument("--skip-bad-rows", action="store_true", help="warn about and skip unusable sheet rows")
    s.add_argument("--seed", type=int, default=1337)
    s.add_argument("--threads", type=int, default=0)
    s.set_defaults(func=cmd_train)

    s = sub.add_parser("export", help="checkpoint .pt -> OUT/NAME.onnx + OUT/NAME.json")
    s.add_argument("checkpoint")
    s.add_argument("--out", required=True)
    s.add_argument("--name", default="model")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("import-official", help="the authors' .pth -> OUT/model.onnx + model.json (+ model.pt)")
    s.add_argument("checkpoint")
    s.add_argument("--classes", type=int, required=True)
    s.add_argument("--class-names", help="comma-separated, in label order")
    s.add_argument("--amp-factor", type=float, default=2.0, help="the --Aug_alpha it was trained with")
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_import_official)

    s = sub.add_parser("preprocess", help="three key frames -> one (38, 48, 48) tensor as .npy")
    s.add_argument("onset")
    s.add_argument("apex")
    s.add_argument("offset")
    s.add_argument("--out", required=True)
    s.add_argument("--box", help="left,top,right,bottom (inclusive); default: Haar face on the onset frame")
    s.add_argument("--full", action="store_true", help="the frames are already face crops")
    s.add_argument("--no-jpeg", action="store_true")
    s.add_argument("--event-step", choices=["authors", "bounded"], default="authors")
    s.set_defaults(func=cmd_preprocess)

    s = sub.add_parser("fixtures", help="parity fixtures for the Swift side")
    s.add_argument("outdir")
    s.set_defaults(func=cmd_fixtures)

    a = p.parse_args(argv)
    a.func(a)


if __name__ == "__main__":
    main()
