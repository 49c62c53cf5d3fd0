"""Templates a requester starts a project from: a question form, instructions, the data flags
preset, and example CSV rows (the sample CSV a requester downloads). Every template's form
passes `form_validate` and its sample rows pass `task_data_validate` (tests/tasks/test_presets.py)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from tasks.questions.form import form_columns

IMG = "https://images.example.org"
SND = "https://audio.example.org"


@dataclass(frozen=True)
class Preset:
    slug: str
    title: str
    description: str
    category: str
    instructions: str
    form: list
    rows: list
    data_flags: list = field(default_factory=list)

    @property
    def columns(self):
        """The CSV's columns: those the form shows, then any other column of the examples."""
        columns = list(form_columns(self.form))
        for row in self.rows:
            columns += [c for c in row if c not in columns]
        return columns


PRESETS = [
    Preset("image-classification", _("Image classification"), _("One label per picture."), "labelling",
           "Look at the picture and choose the label that fits best. If none fits, choose *other*.",
           [{"name": "label", "type": "single_choice", "label": "What does the picture show?",
             "choices": ["cat", "dog", "other"], "show": {"image": "image_url"}}],
           [{"image_url": f"{IMG}/pets/1.jpg"}, {"image_url": f"{IMG}/pets/2.jpg"},
            {"image_url": f"{IMG}/pets/3.jpg"}]),
    Preset("bounding-boxes", _("Bounding boxes"), _("Draw a box around each object, with its class."),
           "labelling",
           "Draw one box around each vehicle and each person, as tight as you can. "
           "Drag on the picture (a finger works) and choose the class before drawing.",
           [{"name": "boxes", "type": "bounding_boxes", "label": "Box every vehicle and person",
             "image": "image_url", "classes": ["vehicle", "person"], "min": 0, "max": 50, "required": False}],
           [{"image_url": f"{IMG}/street/1.jpg"}, {"image_url": f"{IMG}/street/2.jpg"}]),
    Preset("receipt-transcription", _("Transcription of receipts"), _("Read the shop, the date and the total."),
           "transcription",
           "Copy what the receipt says. Leave the total empty if you cannot read it.",
           [{"name": "shop", "type": "text", "label": "Shop name", "max_length": 120,
             "show": {"image": "receipt_url"}},
            {"name": "date", "type": "text", "label": "Date (as printed)", "max_length": 40},
            {"name": "total", "type": "number", "label": "Total", "min": 0, "required": False,
             "help": "Leave empty if unreadable."}],
           [{"receipt_url": f"{IMG}/receipts/1.jpg"}, {"receipt_url": f"{IMG}/receipts/2.jpg"}]),
    Preset("audio-transcription", _("Audio transcription"), _("Listen and write what is said."), "transcription",
           "Listen to the recording (as many times as you need) and write exactly what is said.",
           [{"name": "transcript", "type": "audio_transcription", "label": "Write what you hear",
             "audio": "audio_url", "min_length": 1, "max_length": 5000}],
           [{"audio_url": f"{SND}/clips/1.mp3"}, {"audio_url": f"{SND}/clips/2.mp3"}]),
    Preset("sentiment", _("Sentiment"), _("How positive is a short text, on a scale."), "rating",
           "Read the comment and say how positive it is. Mark the words that carry the feeling.",
           [{"name": "sentiment", "type": "likert", "label": "How positive is this comment?", "points": 5,
             "low_label": "Very negative", "high_label": "Very positive", "show": {"text": "comment"}},
            {"name": "evidence", "type": "highlight", "label": "Mark the words that carry the feeling",
             "source": "comment", "classes": ["positive", "negative"], "min": 0, "max": 10, "required": False}],
           [{"comment": "The delivery was fast and the driver was kind."},
            {"comment": "Nobody answered the phone, twice."}]),
    Preset("content-moderation", _("Content moderation"),
           _("Does a post break the rules? The adult-content flag is set: members consent first."), "moderation",
           "Read the post and the picture. Say whether it breaks the community rules, and which one.",
           [{"name": "verdict", "type": "single_choice", "label": "Does this post break the rules?",
             "choices": ["no", "yes"], "show": {"text": "post", "image": "image_url"}},
            {"name": "rules", "type": "multiple_choice", "label": "Which rules?",
             "choices": ["hate", "violence", "adult content", "spam"], "min": 0, "max": 4, "required": False}],
           [{"post": "Great match yesterday!", "image_url": f"{IMG}/posts/1.jpg"},
            {"post": "Buy followers now, cheap", "image_url": f"{IMG}/posts/2.jpg"}],
           data_flags=["adult_content"]),
    Preset("comparison", _("Side-by-side comparison"), _("Which of two items is better?"), "rating",
           "Compare the two answers to the same question. Choose the more helpful one.",
           [{"name": "better", "type": "comparison", "label": "Which answer is more helpful?", "items": "text",
             "left": "answer_a", "right": "answer_b", "allow_tie": True, "show": {"text": "question"}}],
           [{"question": "How do I boil an egg?", "answer_a": "Put it in boiling water for 8 minutes.",
             "answer_b": "Eggs are laid by hens."},
            {"question": "What is the capital of Madagascar?", "answer_a": "Antananarivo.",
             "answer_b": "It is Antananarivo, in the central highlands."}]),
    Preset("survey", _("Survey"), _("A few questions to people, no data to look at."), "survey",
           "Answer for yourself; there are no right or wrong answers.",
           [{"name": "satisfaction", "type": "likert", "label": "I am happy with my work this week.",
             "points": 5, "low_label": "Strongly disagree", "high_label": "Strongly agree"},
            {"name": "hours", "type": "number", "label": "Hours worked this week", "min": 0, "max": 80,
             "integer": True},
            {"name": "comment", "type": "text", "label": "Anything to add?", "max_length": 1000,
             "required": False}],
           [{"wave": "1"}, {"wave": "2"}]),
]
BY_SLUG = {p.slug: p for p in PRESETS}


def preset_of(slug):
    return BY_SLUG.get(slug)


def sample_rows(preset):
    """The sample CSV: the header, then each example row in the header's order."""
    columns = preset.columns
    return columns, [[row.get(c, "") for c in columns] for row in preset.rows]
