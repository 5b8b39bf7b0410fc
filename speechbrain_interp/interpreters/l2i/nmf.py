"""Sparse NMF dictionary of L2I (docs/methods.md section 2.3).

The L2I interpreter decodes its encoding through a FIXED, pre-learnt
dictionary ``W`` (``[F, K]``, non-negative, unit-norm columns) fitted on
log1p-magnitude frames ``V`` (``[F, N]``) of the training clips by the sparse
NMF of Le Roux, Weninger & Hershey (2015), Euclidean case::

    C(W, H) = 0.5 * ||V - Wb H||_F^2 + mu * ||H||_1,    Wb = W / ||W||_col

Multiplicative updates implemented (``L = Wb H``; ``/`` element-wise; ``eps``
in every denominator)::

    H  <- H * (Wb^T V) / (Wb^T Wb H + mu)
    Wb <- normalise(Wb * R^g),
    R  = (V H^T + Wb * colsum(Wb * L H^T)) / (L H^T + Wb * colsum(Wb * V H^T))

The H step is the Lee-Seung majorise-minimise step with the l1 term in the
denominator, so it never increases ``C``. The W step is the multiplicative form
of the gradient of ``C`` with respect to the UNnormalised ``W`` (at ``W = Wb``,
``dC/dW = (I - wb wb^T)(L - V)H^T`` column-wise, split into positive and
negative parts: the ratio ``R``; ``colsum`` broadcast over rows is the
``1 1^T (.)`` of the paper). It is a descent direction but not a majoriser,
so ``g`` starts at 1 and is halved (at most 4 times, else the step is
skipped) until ``C`` does not increase: the objective is monotone. ``C`` is
evaluated from ``V H^T`` and ``H H^T`` (needed by the W step anyway).

Interpretation (Algorithm 2): ``X_k = (w_k h_k^T) / (W H + eps) * X`` and
``X_int = sum_{k in L} X_k``: :func:`component_masks`, :func:`selected_mask`.

The solves and the masks run in float32 under mixed precision (autocast:
:func:`~speechbrain_interp.float32.float32_only`); a multiplicative update
in bf16 would multiply its rounding errors at every iteration.

Authors
 * speechbrain-interp developers 2026
"""

import torch

from speechbrain_interp.float32 import float32_only
from speechbrain_interp.recorded import Recorded

__all__ = [
    "NMFDictionary",
    "component_masks",
    "nmf_activations",
    "nmf_objective",
    "normalize_columns",
    "selected_mask",
    "sparse_nmf",
]


def normalize_columns(W, eps=1e-10):
    """Scales every column of ``W`` (``[..., F, K]``) to unit L2 norm.

    Example
    -------
    >>> normalize_columns(torch.tensor([[3.0], [4.0]]))
    tensor([[0.6000],
            [0.8000]])
    """
    return W / W.norm(dim=-2, keepdim=True).clamp_min(eps)


def _float(x):
    return x if x.is_floating_point() else x.to(torch.float32)


def nmf_objective(V, W, H, mu=0.0):
    """``0.5 ||V - W H||_F^2 + mu ||H||_1``, computed directly in float64.

    ``V`` ``[..., F, N]``, ``W`` ``[F, K]`` (used as given), ``H``
    ``[..., K, N]``; returns a float64 scalar.

    Example
    -------
    >>> W, H = torch.ones(2, 1), torch.ones(1, 3)
    >>> float(nmf_objective(2 * W @ H, W, H, mu=0.5))
    4.5
    """
    res = (V - W @ H).double()
    return 0.5 * (res**2).sum() + mu * H.double().sum()


def _objective_from_stats(vv, Wb, VHt, HHt, mu, h_sum):
    """``C`` from ``||V||^2``, ``V H^T`` and ``H H^T`` (float64)."""
    Wb, VHt, HHt = Wb.double(), VHt.double(), HHt.double()
    quad = ((Wb.T @ Wb) * HHt).sum()
    return 0.5 * (vv - 2.0 * (Wb * VHt).sum() + quad) + mu * h_sum


@float32_only
def sparse_nmf(V, n_components, mu=0.1, n_iter=200, W_init=None, H_init=None,
               eps=1e-10, generator=None, fixed_W=False):
    """Sparse NMF (Euclidean) with unit-norm dictionary columns.

    Minimises ``0.5 ||V - Wb H||_F^2 + mu ||H||_1`` by the multiplicative
    updates of the module docstring, ``Wb`` = ``W`` with unit-norm columns.

    Arguments
    ---------
    V : torch.Tensor
        ``[F, N]`` non-negative data (e.g. log1p |STFT| frames of many clips).
    n_components : int
        Dictionary size ``K``.
    mu : float
        l1 weight on ``H``.
    n_iter : int
        Number of (H step, W step) iterations.
    W_init, H_init : torch.Tensor, optional
        ``[F, K]`` / ``[K, N]`` non-negative initial values (``W_init`` is
        column-normalised). Default: uniform random, ``H`` scaled so that
        ``mean(Wb H) = mean(V)``.
    eps : float
        Added to every denominator and norm.
    generator : torch.Generator, optional
        RNG of the random initialisation.
    fixed_W : bool
        If True only ``H`` is updated (``W_init`` required).

    Returns
    -------
    W : torch.Tensor
        ``[F, K]``, non-negative, unit-norm columns.
    H : torch.Tensor
        ``[K, N]``, non-negative.
    history : torch.Tensor
        ``[n_iter]`` float64, the objective after every iteration
        (non-increasing). Computed in the expanded form from ``V H^T`` in
        V's dtype: absolute accuracy ~1e-7 ``||V||^2`` for float32 (use
        :func:`nmf_objective` or float64 ``V`` near an exact fit).

    Example
    -------
    >>> g = torch.Generator().manual_seed(0)
    >>> V = torch.rand(20, 3, generator=g) @ torch.rand(3, 50, generator=g)
    >>> W, H, hist = sparse_nmf(V, 3, mu=0.0, n_iter=300, generator=g)
    >>> W.shape, H.shape, hist.shape
    (torch.Size([20, 3]), torch.Size([3, 50]), torch.Size([300]))
    >>> bool((W @ H - V).norm() / V.norm() < 0.05)
    True
    """
    V = _float(V)
    F, N = V.shape
    K = int(n_components)
    if bool((V < 0).any()):
        raise ValueError("V must be non-negative")
    if W_init is None:
        if fixed_W:
            raise ValueError("fixed_W=True needs W_init")
        W_init = torch.rand(F, K, generator=generator, dtype=V.dtype)
    Wb = normalize_columns(W_init.to(V), eps)
    if H_init is None:
        H = torch.rand(K, N, generator=generator, dtype=V.dtype).to(V)
        mean_L = (Wb.sum(0) @ H.sum(1)) / (F * N)
        H = H * (V.mean() / mean_L.clamp_min(eps))
    else:
        H = H_init.to(V).clone()
    vv = (V.double() ** 2).sum()
    history = torch.empty(n_iter, dtype=torch.float64)
    for it in range(n_iter):
        # H step (majorise-minimise, monotone).
        H = H * (Wb.T @ V) / ((Wb.T @ Wb) @ H + (mu + eps))
        VHt, HHt = V @ H.T, H @ H.T
        h_sum = H.double().sum()
        cost = _objective_from_stats(vv, Wb, VHt, HHt, mu, h_sum)
        if not fixed_W:
            # W step: gradient split w.r.t. the unnormalised W, at W = Wb.
            LHt = Wb @ HHt
            num = VHt + Wb * (Wb * LHt).sum(0, keepdim=True)
            den = LHt + Wb * (Wb * VHt).sum(0, keepdim=True) + eps
            ratio = num / den
            for g in (1.0, 0.5, 0.25, 0.125, 0.0625):
                W_try = normalize_columns(Wb * ratio**g, eps)
                c_try = _objective_from_stats(vv, W_try, VHt, HHt, mu, h_sum)
                if c_try <= cost:
                    Wb, cost = W_try, c_try
                    break
        history[it] = cost
    return Wb, H, history


@float32_only
def nmf_activations(V, W, mu=0.1, n_iter=200, H_init=None, eps=1e-10):
    """Activations ``H`` of spectrograms for a FIXED dictionary ``W``.

    Minimises ``0.5 ||V - W H||^2 + mu ||H||_1`` over ``H >= 0`` (convex) by
    ``H <- H * (W^T V) / (W^T W H + mu)``; ``W`` is used as given.

    Arguments
    ---------
    V : torch.Tensor
        ``[B, F, T]`` (or ``[F, T]``), non-negative.
    W : torch.Tensor
        ``[F, K]``.
    mu : float
        l1 weight.
    n_iter : int
        Number of updates.
    H_init : torch.Tensor, optional
        ``[B, K, T]``; default: one update from ``H = 1``.
    eps : float
        Added to the denominators.

    Returns
    -------
    torch.Tensor
        ``[B, K, T]`` (or ``[K, T]``).

    Example
    -------
    >>> W = normalize_columns(torch.rand(16, 4))
    >>> H = torch.rand(2, 4, 30)
    >>> H_hat = nmf_activations(W @ H, W, mu=0.0, n_iter=2000)
    >>> H_hat.shape
    torch.Size([2, 4, 30])
    >>> bool((W @ H_hat - W @ H).norm() / (W @ H).norm() < 0.01)
    True
    """
    V = _float(V)
    W = W.to(V)
    WtV = W.T @ V
    WtW = W.T @ W
    if H_init is None:
        H = WtV.clamp_min(0) / (WtW.sum(1, keepdim=True) + (mu + eps))
    else:
        H = H_init.to(V).clone()
    for _ in range(n_iter):
        H = H * WtV / (WtW @ H + (mu + eps))
    return H


@float32_only
def selected_mask(W, H, selection, eps=1e-10):
    """Summed soft mask of a selection of components.

    ``M = (W diag(s) H) / (W H + eps)`` = ``sum_{k in L} w_k h_k^T / (WH+eps)``
    without building the ``K`` masks; ``X_int = M * X``.

    Arguments
    ---------
    W : torch.Tensor
        ``[F, K]``.
    H : torch.Tensor
        ``[B, K, T]`` (or ``[K, T]``).
    selection : torch.Tensor
        ``[B, K]`` (or ``[K]``), bool or 0/1 (any non-negative weights work).
    eps : float
        Added to the denominator.

    Returns
    -------
    torch.Tensor
        ``[B, F, T]`` (or ``[F, T]``) in ``[0, 1]`` for 0/1 selections.

    Example
    -------
    >>> W, H = torch.eye(2), torch.ones(1, 2, 3)
    >>> selected_mask(W, H, torch.tensor([[True, False]]))
    tensor([[[1., 1., 1.],
             [0., 0., 0.]]])
    """
    sel = selection.to(H.dtype).unsqueeze(-1)
    return (W @ (sel * H)) / (W @ H + eps)


@float32_only
def component_masks(W, H, eps=1e-10, components=None):
    """Per-component soft masks ``(w_k h_k^T) / (W H + eps)``.

    Arguments
    ---------
    W : torch.Tensor
        ``[F, K]``.
    H : torch.Tensor
        ``[B, K, T]`` (or ``[K, T]``).
    eps : float
        Added to the denominator.
    components : sequence of int or torch.Tensor, optional
        Indices of the ``K'`` components to return (default: all ``K``; the
        result has ``B * K' * F * T`` elements, keep ``K'`` small).

    Returns
    -------
    torch.Tensor
        ``[B, K', F, T]`` (or ``[K', F, T]``); summing over ``K`` gives
        ``WH / (WH + eps)``.

    Example
    -------
    >>> W, H = torch.eye(2), torch.ones(1, 2, 3)
    >>> component_masks(W, H).shape
    torch.Size([1, 2, 2, 3])
    >>> component_masks(W, H, components=[1])[0, 0, :, 0]
    tensor([0., 1.])
    """
    den = (W @ H + eps).unsqueeze(-3)
    if components is not None:
        idx = torch.as_tensor(components, dtype=torch.long, device=W.device)
        W, H = W[:, idx], H.index_select(-2, idx)
    # [F, K'] x [..., K', T] -> [..., K', F, T]
    num = W.T.unsqueeze(-1) * H.unsqueeze(-2)
    return num / den


class NMFDictionary(Recorded, torch.nn.Module):
    """Fixed NMF dictionary (decoder) of L2I, stored as a buffer.

    ``W`` (``[F, K]``, non-negative, unit-norm columns) is a registered
    buffer, so the module's ``state_dict`` holds it and SpeechBrain's
    Checkpointer / Pretrainer can save and load it. Before :meth:`fit` (or
    loading) ``W`` is the constant ``1 / sqrt(F)``.

    Arguments
    ---------
    n_freqs : int
        ``F``.
    n_components : int
        ``K``.
    mu : float
        l1 weight used by :meth:`fit` and :meth:`activations`.
    n_iter : int
        Default number of multiplicative updates.

    Example
    -------
    >>> d = NMFDictionary(n_freqs=16, n_components=4, n_iter=100)
    >>> V = torch.rand(16, 4) @ torch.rand(4, 200)
    >>> H, history = d.fit(V, generator=torch.Generator().manual_seed(0))
    >>> d.W.shape, d.n_components, d.n_freqs
    (torch.Size([16, 4]), 4, 16)
    >>> d.activations(V.expand(3, 16, 200)).shape
    torch.Size([3, 4, 200])
    >>> d.reconstruct(H).shape
    torch.Size([16, 200])
    >>> d2 = NMFDictionary(16, 4)
    >>> _ = d2.load_state_dict(d.state_dict())
    >>> bool(torch.equal(d2.W, d.W))
    True
    """

    def __init__(self, n_freqs, n_components, mu=0.1, n_iter=200):
        super().__init__()
        self.mu = float(mu)
        self.n_iter = int(n_iter)
        self.register_buffer(
            "W", torch.full((int(n_freqs), int(n_components)), n_freqs**-0.5)
        )

    @classmethod
    def from_file(cls, path, **kwargs):
        """A dictionary whose size and ``W`` come from a saved state dict.

        Arguments
        ---------
        path : str
            File written by ``torch.save(dictionary.state_dict(), path)``
            (e.g. ``nmf_dictionary.ckpt`` of ``train_nmf.py``).
        **kwargs
            ``mu``, ``n_iter``.

        Example
        -------
        >>> path = str(getfixture("tmpdir") / "d.ckpt")
        >>> d = NMFDictionary(8, 3)
        >>> d.W.copy_(torch.rand(8, 3))  # doctest: +ELLIPSIS
        tensor(...)
        >>> torch.save(d.state_dict(), path)
        >>> bool(torch.equal(NMFDictionary.from_file(path).W, d.W))
        True
        """
        import os

        if not os.path.isfile(str(path)):
            raise FileNotFoundError(f"NMF dictionary not found: {path} (run train_nmf.py first)")
        state = torch.load(str(path), map_location="cpu")
        if "W" not in state:
            raise ValueError(f"{path} holds no NMF dictionary (no 'W' entry)")
        dictionary = cls(state["W"].shape[0], state["W"].shape[1], **kwargs)
        dictionary.load_state_dict(state)
        return dictionary

    n_freqs = property(lambda self: self.W.shape[0], doc="``F``.")
    n_components = property(lambda self: self.W.shape[1], doc="``K``.")

    @torch.no_grad()
    def fit(self, V, mu=None, n_iter=None, **kwargs):
        """Learns ``W`` from ``V`` (``[F, N]``) with :func:`sparse_nmf`.

        Extra keyword arguments go to :func:`sparse_nmf`. Returns
        ``(H [K, N], history [n_iter])``.
        """
        if V.shape[0] != self.n_freqs:
            raise ValueError(f"V has {V.shape[0]} bins, expected {self.n_freqs}")
        W, H, history = sparse_nmf(
            V.to(self.W.device),
            self.n_components,
            mu=self.mu if mu is None else mu,
            n_iter=self.n_iter if n_iter is None else n_iter,
            **kwargs,
        )
        self.W.copy_(W)
        return H, history

    @torch.no_grad()
    def activations(self, V, mu=None, n_iter=None, **kwargs):
        """:func:`nmf_activations` of ``V`` (``[B, F, T]``) -> ``[B, K, T]``."""
        return nmf_activations(
            V,
            self.W,
            mu=self.mu if mu is None else mu,
            n_iter=self.n_iter if n_iter is None else n_iter,
            **kwargs,
        )

    def forward(self, V):
        """Same as :meth:`activations`."""
        return self.activations(V)

    def reconstruct(self, H):
        """``W H``: ``[B, K, T]`` (or ``[K, T]``) -> ``[B, F, T]``."""
        return self.W @ H
