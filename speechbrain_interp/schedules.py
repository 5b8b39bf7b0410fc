"""What a learning-rate schedule does over the first epochs, and a check that it learns.

The recipes' schedules are SpeechBrain's: per batch (``CyclicLRScheduler``:
``on_batch_end(optimizer)``) or per epoch (``ReduceLROnPlateau``:
``scheduler([optimizer], epoch, valid_loss)``). A fine-tuning schedule (a
cyclic rate that starts at 1e-8 and climbs over 65,000 steps, upstream's
for a pretrained encoder) gives a network trained from scratch a rate of
about 1e-8 for its first epochs: it never leaves chance.
:func:`epoch_learning_rates` simulates a schedule on a copy, without data;
:func:`check_schedule` refuses such a start, with the numbers.

Authors
 * speechbrain-interp developers 2026
"""

import copy
import math

import torch

__all__ = ["FLOOR", "ScheduleError", "check_schedule", "epoch_learning_rates"]

#: the rate a from-scratch run must reach within :data:`WITHIN_EPOCHS` epochs
FLOOR = 1e-5
#: epochs over which the rate must reach :data:`FLOOR`
WITHIN_EPOCHS = 5


class ScheduleError(ValueError):
    """A schedule that cannot train the network it is given."""


def epoch_learning_rates(scheduler, lr, steps_per_epoch, n_epochs):
    """The learning rate in use at the end of each of the first epochs.

    The schedule is simulated on a deep copy (the given one is not
    stepped) with a one-parameter optimizer; an epoch-level schedule sees a
    validation loss that keeps improving (its rate is then as high as it
    gets).

    Arguments
    ---------
    scheduler : object or None
        A SpeechBrain scheduler (``on_batch_end``, or called per epoch), or
        None (a constant rate).
    lr : float
        The optimizer's initial rate.
    steps_per_epoch : int
        Optimizer steps per epoch (training clips / batch size, rounded up).
    n_epochs : int
        Epochs to simulate.

    Returns
    -------
    list of float
        ``[n_epochs]`` rates.

    Example
    -------
    >>> from speechbrain.nnet.schedulers import CyclicLRScheduler
    >>> cyclic = CyclicLRScheduler(base_lr=1e-8, max_lr=2e-4, step_size=65000)
    >>> rates = epoch_learning_rates(cyclic, 2e-4, steps_per_epoch=38, n_epochs=3)
    >>> ["%.1e" % r for r in rates]
    ['1.3e-07', '2.4e-07', '3.6e-07']
    >>> epoch_learning_rates(None, 1e-3, 38, 2)
    [0.001, 0.001]
    """
    steps_per_epoch, n_epochs = int(steps_per_epoch), int(n_epochs)
    if scheduler is None:
        return [float(lr)] * n_epochs
    scheduler = copy.deepcopy(scheduler)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=float(lr))
    rates = []
    if hasattr(scheduler, "on_batch_end"):
        for _ in range(n_epochs):
            for _ in range(steps_per_epoch):
                scheduler.on_batch_end(optimizer)
            rates.append(float(optimizer.param_groups[0]["lr"]))
        return rates
    for epoch in range(1, n_epochs + 1):
        _, new_lr = scheduler([optimizer], epoch, 1.0 / epoch)
        for group in optimizer.param_groups:
            group["lr"] = new_lr
        rates.append(float(new_lr))
    return rates


def check_schedule(scheduler, lr, n_train, batch_size, pretrained_encoder=None,
                   floor=FLOOR, within=WITHIN_EPOCHS):
    """Refuses a schedule that leaves a from-scratch network at a negligible rate.

    Arguments
    ---------
    scheduler, lr
        As in :func:`epoch_learning_rates`.
    n_train : int
        Training clips.
    batch_size : int
        Clips per step.
    pretrained_encoder : str, optional
        Set: the run fine-tunes a pretrained encoder, and any schedule goes.
    floor : float
        The rate a from-scratch run must reach ...
    within : int
        ... within this many epochs.

    Returns
    -------
    list of float
        The simulated rates of the first ``within`` epochs.

    Raises
    ------
    ScheduleError
        From scratch, when the rate stays below ``floor``: names the rates
        and what to do.

    Example
    -------
    >>> from speechbrain.nnet.schedulers import CyclicLRScheduler
    >>> cyclic = CyclicLRScheduler(base_lr=1e-8, max_lr=2e-4, step_size=65000)
    >>> _ = check_schedule(cyclic, 2e-4, 1200, 32, pretrained_encoder="cnn14.ckpt")
    >>> check_schedule(cyclic, 2e-4, 1200, 32)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_interp.schedules.ScheduleError: the learning rate stays below 1e-05 ...
    """
    steps = max(1, math.ceil(int(n_train) / int(batch_size)))
    rates = epoch_learning_rates(scheduler, lr, steps, within)
    if pretrained_encoder is None and max(rates) < floor:
        shown = ", ".join(f"{r:.1e}" for r in rates)
        raise ScheduleError(
            f"the learning rate stays below {floor:g} for the first {within} epochs ({shown}; "
            f"{n_train} training clips, batch {batch_size}) and no pretrained_encoder is given: "
            f"{type(scheduler).__name__} is a fine-tuning schedule, and a network trained from "
            "scratch with it stays at chance. Give --pretrained_encoder (the *_finetune.yaml "
            "configurations need one), or use a from-scratch configuration (cnn14.yaml)")
    return rates
