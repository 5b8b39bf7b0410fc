"""The SONYC-UST v2 layout: the DCASE 2020 task 5 taxonomy, its tags and the
columns of ``annotations.csv`` (and of the synthetic set's ``metadata/synthetic.csv``).

Authors
 * speechbrain-interp developers 2026
"""

__all__ = [
    "SONYC_UST_COARSE_TAGS", "SONYC_UST_COLUMNS", "SONYC_UST_FINE_TAGS",
    "SONYC_UST_METADATA_COLUMNS", "SONYC_UST_SYNTHETIC_COLUMNS", "SONYC_UST_TAXONOMY",
]

#: the DCASE 2020 task 5 taxonomy (``dcase-ust-taxonomy.yaml``): ``coarse``:
#: id -> name; ``fine``: coarse id -> {fine id or ``"X"`` -> name}
SONYC_UST_TAXONOMY = {
    "coarse": {1: "engine", 2: "machinery-impact", 3: "non-machinery-impact",
               4: "powered-saw", 5: "alert-signal", 6: "music", 7: "human-voice", 8: "dog"},
    "fine": {
        1: {1: "small-sounding-engine", 2: "medium-sounding-engine",
            3: "large-sounding-engine", "X": "engine-of-uncertain-size"},
        2: {1: "rock-drill", 2: "jackhammer", 3: "hoe-ram", 4: "pile-driver",
            "X": "other-unknown-impact-machinery"},
        3: {1: "non-machinery-impact"},
        4: {1: "chainsaw", 2: "small-medium-rotating-saw", 3: "large-rotating-saw",
            "X": "other-unknown-powered-saw"},
        5: {1: "car-horn", 2: "car-alarm", 3: "siren", 4: "reverse-beeper",
            "X": "other-unknown-alert-signal"},
        6: {1: "stationary-music", 2: "mobile-music", 3: "ice-cream-truck",
            "X": "music-from-uncertain-source"},
        7: {1: "person-or-small-group-talking", 2: "person-or-small-group-shouting",
            3: "large-crowd", 4: "amplified-speech", "X": "other-unknown-human-voice"},
        8: {1: "dog-barking-whining"},
    },
}
#: the 29 fine tags ``<c>-<f>_<name>`` (23 complete + 6 "X"), in taxonomy order
SONYC_UST_FINE_TAGS = [f"{c}-{f}_{name}" for c, group in SONYC_UST_TAXONOMY["fine"].items()
                       for f, name in group.items()]
#: the 8 coarse tags ``<c>_<name>``
SONYC_UST_COARSE_TAGS = [f"{c}_{name}" for c, name in SONYC_UST_TAXONOMY["coarse"].items()]
#: the metadata columns of ``annotations.csv``
SONYC_UST_METADATA_COLUMNS = [
    "split", "sensor_id", "audio_filename", "annotator_id", "borough", "block", "latitude",
    "longitude", "year", "week", "day", "hour",
]
#: all columns of ``annotations.csv``: metadata, fine and coarse presence, fine proximity
SONYC_UST_COLUMNS = (
    SONYC_UST_METADATA_COLUMNS + [f"{t}_presence" for t in SONYC_UST_FINE_TAGS]
    + [f"{t}_presence" for t in SONYC_UST_COARSE_TAGS]
    + [f"{t}_proximity" for t in SONYC_UST_FINE_TAGS]
)
#: columns of ``metadata/synthetic.csv``: one row per event; a clip without
#: events has one row with the event fields (``event`` to ``event_rms``) empty
SONYC_UST_SYNTHETIC_COLUMNS = [
    "audio_filename", "split", "sensor_id", "n_events", "event", "coarse_id", "coarse_name",
    "fine_code", "fine_name", "kind", "onset_s", "offset_s", "f_low_hz", "f_high_hz",
    "event_rms", "background_kind", "background_rms", "seed", "sample_rate",
]
