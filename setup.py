"""Packaging for speechbrain-interp.

Install the development environment with ``make install`` (see
tools/install.sh), which also takes care of torch and torchaudio.
"""

import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "speechbrain_interp", "version.py")) as f:
    VERSION = re.search(r'__version__ = "([^"]+)"', f.read()).group(1)

with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
    LONG_DESCRIPTION = f.read()

setup(
    name="speechbrain-interp",
    version=VERSION,
    description=(
        "Listenable post-hoc interpretation of audio classifiers "
        "(L-MAC, PIQ, L2I, RDE, PV) as SpeechBrain recipes"
    ),
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/markdown",
    packages=find_packages(include=["speechbrain_interp", "speechbrain_interp.*"]),
    python_requires=">=3.9",
    install_requires=[
        "torch>=2.6",  # torch.load defaults to weights_only=True
        "torchaudio",
        "speechbrain>=1.1.2",
        "hyperpyyaml",
        "numpy",
        "scipy",
        "pandas",
        "soundfile",
        "captum",
        "matplotlib",
        "tqdm",
    ],
    # explaining HuggingFace audio classifiers (speechbrain_interp.adapters.transformers_models)
    extras_require={"hf": ["transformers>=4.40"]},
    package_data={"speechbrain_interp.inference": ["*.yaml"]},
    entry_points={"console_scripts": ["sb-interp=speechbrain_interp.programs.cli:main"]},
    license="Apache-2.0",
)
