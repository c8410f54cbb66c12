import torch
import torch.nn.functional as F

from mextrain import ModelConfig, SKDTSTSAN, count_macs, count_parameters
from mextrain.model import ECA, Manipulator, ShapeEncoder, SKDOutput, eca_kernel_size, segment_mean, temporal_shift


def test_parameter_counts_match_the_reference_code(model5):
    # Reference-code notes 2.5: computed from the authors' all_model.py.
    assert count_parameters(model5) == 2_946_214
    assert count_parameters(model5, inference_only=True) == 1_610_632
    assert count_parameters(SKDTSTSAN(ModelConfig(num_classes=3))) == 2_943_904


def test_state_dict_uses_the_authors_key_names_and_shapes(model5):
    sd = model5.state_dict()
    expect = {
        "Aug_Encoder_L.cba_1.conv2d.weight": (16, 16, 7, 7),
        "Aug_Encoder_T.cba_1.conv2d.weight": (16, 2, 7, 7),
        "Aug_Encoder_S.motion_resblks.1.cba_2.conv2d.weight": (32, 32, 3, 3),
        "Aug_Manipulator_T.g.conv2d.weight": (32, 32, 7, 7),
        "conv1_T.weight": (64, 32, 5, 5),
        "conv2_T.net.weight": (64, 64, 3, 3),
        "AC2_conv2_T.net.bias": (128,),
        "AC1_bn1_L.running_var": (128,),
        "ECA1.conv.weight": (1, 1, 3),
        "ECA5.conv.weight": (1, 1, 5),
        "AC1_ECA2.conv.weight": (1, 1, 5),
        "fc2.weight": (5, 384),
        "AC1_fc.bias": (5,),
    }
    for k, shape in expect.items():
        assert tuple(sd[k].shape) == shape, k
    assert not any(".bias" in k for k in sd if k.startswith("Aug_"))   # magnification convs: no bias
    assert sum(k.endswith("num_batches_tracked") for k in sd) == 27


def test_eval_runs_without_auxiliary_classifiers(model5):
    called = []
    hooks = [getattr(model5, n).register_forward_hook(lambda *a, n=n: called.append(n))
             for n in ("AC1_fc", "AC2_fc", "AC1_conv1_L", "AC2_conv1_S")]
    x = torch.rand(2, 38, 48, 48)
    model5.eval()
    with torch.no_grad():
        out = model5(x)
    assert isinstance(out, torch.Tensor) and out.shape == (2, 5) and called == []
    model5.train()
    out = model5(x)
    assert isinstance(out, SKDOutput) and len(called) == 4
    assert out.feat.shape == out.aux1_feat.shape == out.aux2_feat.shape == (2, 384)
    model5.eval()
    for h in hooks:
        h.remove()


def test_eca_kernel_size_follows_eq3():
    assert [eca_kernel_size(c) for c in (16, 32, 64, 128)] == [3, 3, 3, 5]


def test_eca_equals_the_1d_conv_formulation():
    torch.manual_seed(1)
    eca = ECA(64)
    x = torch.randn(3, 64, 10, 10)
    w = eca.conv.weight                    # (1, 1, 3)
    c1d = lambda v: F.conv1d(v[:, None, :], w, padding=1)[:, 0]
    att = torch.sigmoid(c1d(x.mean((2, 3))) + c1d(x.amax((2, 3))))   # eq. 2
    assert torch.allclose(eca(x), x * att[:, :, None, None], atol=1e-6)


def test_tsm_reference_vector():
    # Reference-code notes 2.5: 1 sample, 2 segments, 16 channels, value = 16*segment + channel.
    x = torch.arange(32, dtype=torch.float32).reshape(2, 16, 1, 1)
    y = temporal_shift(x)[:, :, 0, 0]
    assert y[0].tolist() == [16, 17, 0, 0] + list(range(4, 16))
    assert y[1].tolist() == [0, 0, 2, 3] + list(range(20, 32))


def test_tsm_moves_exactly_one_eighth_each_way_with_zero_fill():
    x = torch.randn(6, 64, 5, 5) + 10          # 3 samples x 2 segments, no zeros in the input
    y = temporal_shift(x).reshape(3, 2, 64, 5, 5)
    x5 = x.reshape(3, 2, 64, 5, 5)
    f = 8
    assert torch.equal(y[:, 0, :f], x5[:, 1, :f])          # from the future
    assert torch.equal(y[:, 1, f:2 * f], x5[:, 0, f:2 * f])  # from the past
    assert (y[:, 1, :f] == 0).all() and (y[:, 0, f:2 * f] == 0).all()
    assert torch.equal(y[:, :, 2 * f:], x5[:, :, 2 * f:])   # the other 6/8 untouched


def test_t_stream_zero_onset_is_exactly_skippable():
    torch.manual_seed(2)
    enc, man = ShapeEncoder(2), Manipulator(2.0)
    xt = torch.rand(4, 2, 48, 48)
    zero_code = enc(torch.zeros_like(xt))
    assert torch.equal(zero_code, torch.zeros(4, 32, 24, 24))
    mb = enc(xt)
    assert torch.equal(man(None, mb), man(zero_code, mb))


def test_manipulator_is_identity_without_motion():
    torch.manual_seed(3)
    man = Manipulator(2.0)
    m = torch.randn(2, 32, 24, 24)
    # Mb == Ma: g(0) = 0 (bias-free, reflect pad), so the output is Mb itself.
    assert torch.equal(man(m, m), m)


def test_segment_mean_is_the_mean_over_segments():
    x = torch.randn(6, 128)
    assert torch.allclose(segment_mean(x), x.reshape(3, 2, 128).mean(1))


def test_streams_see_their_channels(model5):
    # Changing only the flow channels must change the output, and only via the T stream.
    model5.eval()
    x = torch.rand(1, 38, 48, 48)
    y = x.clone()
    y[:, 34:38] = torch.rand(1, 4, 48, 48)
    with torch.no_grad():
        assert not torch.allclose(model5(x), model5(y))


def test_macs_of_one_inference(model5):
    # Notes 2.5: ~748 M MACs without the aux heads and the zero T pass.
    convs_and_fc = 747_759_488
    eca = 2 * (3 * 64 * 3 + 2 * 128 * 5)     # ECA1-3 (k=3, 64 ch) and ECA4-5 (k=5, 128 ch), avg + max
    assert count_macs(model5) == convs_and_fc + eca
