"""The programs behind the recipes' scripts, and the modules they share.

Each module holds one program: ``main(argv)`` (what a recipe's ``train.py``
calls: ``python train.py hparams/x.yaml --data_folder ...``) and the
``run_*`` function it wraps. A program knows no dataset: the YAML names
the dataset's prepare function (``prepare_data``), so a new dataset is a
prepare function and YAML files.

* :mod:`~speechbrain_interp.programs.description`: ``Program``, a program's
  name and the YAML keys it reads, stated once per program;
* :mod:`~speechbrain_interp.programs.configuration`: the keys and the start-up
  checks (required keys, device, precision, override types), the YAML built;
* :mod:`~speechbrain_interp.programs.run_setup`: ``load_experiment`` (command
  line to output folder: run lock, ``sys.path``, the recipe script kept) and
  ``prepare_data``;
* :mod:`~speechbrain_interp.programs.distributed`: the DDP group joined once
  and left at exit;
* :mod:`~speechbrain_interp.programs.training`: RNG and loaders, fit and test;
* :mod:`~speechbrain_interp.programs.parts`: trained parts loaded and exported;
* :mod:`~speechbrain_interp.programs.overrides`: command-line overrides
  checked against the YAML's types (the key and value named);
* :mod:`~speechbrain_interp.programs.augmentation`: training-time noise or
  contamination from the YAML;
* :mod:`~speechbrain_interp.programs.safety`: one run per output folder,
  one classifier per interpreter run;
* :mod:`~speechbrain_interp.programs.classification`: ``run_classification``;
* :mod:`~speechbrain_interp.programs.interpretation`: ``run_interpreter``
  (L-MAC, PIQ, L2I, PV: the YAML chooses);
* :mod:`~speechbrain_interp.programs.nmf_dictionary`: ``run_nmf`` (L2I's dictionary);
* :mod:`~speechbrain_interp.programs.evaluation`: ``run_evaluation``
  (interpreters and baselines under several conditions);
* :mod:`~speechbrain_interp.programs.inpainting`: ``run_inpainter`` (RDE's in-painter);
* :mod:`~speechbrain_interp.programs.rde_explain`: ``run_explain`` (Fourier RDE on NSynth);
* :mod:`~speechbrain_interp.programs.export`: a run's ``pretrained/`` folder (written
  after testing) and the export command (upload-ready copies);
* :mod:`~speechbrain_interp.programs.cli`: ``sb-interp classify / explain / export``
  (also ``python -m speechbrain_interp``), and
  :mod:`~speechbrain_interp.programs.cli_outputs`, what it writes (atomic files, the
  summary as files finish, interrupts, progress per window).
"""
