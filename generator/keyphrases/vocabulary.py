"""The English word lists that decide what can be a keyphrase and what can be a topic.

Two lists say "too general", for two jobs: VAGUE_WORDS never start or make a candidate phrase
("novel approach"), BROAD_WORDS never make a topic on their own ("learning", "model"). A word
can be in both; they are kept apart because each is tuned against its own measure (keyphrase
F1 on Inspec, topic specificity on the demo).
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    """Return the white-space separated words of text as a set."""
    return frozenset(text.split())


STOP_WORDS = _words(
    """a about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anyhow anyone anything anyway anywhere are
    around as at be became because become becomes becoming been before beforehand behind being below
    beside besides between beyond both but by can cannot could did do does doing done down due
    during each eg e.g. either else elsewhere enough etc even ever every everyone everything
    everywhere except few first for former formerly from further had has have having he hence her
    here hereafter hereby herein hers herself him himself his how however i ie i.e. if in indeed
    into is it its itself just last latter least less many may me meanwhile might more moreover
    most mostly much must my myself namely neither never nevertheless next no nobody none noone nor
    not nothing now nowhere of off often on once one only onto or other others otherwise our ours
    ourselves out over own per perhaps please rather same second several she should since so some
    somehow someone something sometime sometimes somewhere still such than that the their theirs
    them themselves then thence there thereafter thereby therefore therein thereupon these they
    third this those though through throughout thru thus to together too toward towards under
    until up upon us very via was we well were what whatever when whence whenever where whereas
    whereby wherein whereupon wherever whether which while whither who whoever whole whom whose why
    will with within without would yet you your yours yourself yourselves vs via versus"""
)
# Evaluative or vague words: they start no phrase worth listing ("novel approach").
VAGUE_WORDS = _words(
    """novel new proposed existing various different recent current previous prior significant
    important simple effective extensive comprehensive great good better best key main specific
    particular certain overall additional typical promising superior strong substantial numerous
    remarkable impressive notable competitive challenging diverse wide broad able possible given
    based called termed named achieved improved extensive further like unlike respectively also
    paper work approach approaches method methods technique techniques results result study studies
    problem problems task tasks way ways use uses part parts number numbers lot lots kind kinds
    type types state art terms term fact example examples end ends advantage advantages works
    present presents
    using including making leading following allowing enabling achieving showing having
    resulting yielding providing requiring improving reducing increasing outperforming"""
)
# -ing words that head noun phrases ("reinforcement learning", "training data").
ING_NOUNS = _words(
    """learning training reasoning modeling modelling processing computing planning programming
    understanding engineering prompting tuning fine-tuning finetuning pretraining pre-training
    post-training sampling editing encoding decoding embedding clustering matching ranking mining
    forecasting scheduling routing tracking rendering captioning grounding inpainting labeling
    labelling mapping parsing indexing hashing filtering pruning scaling splatting denoising
    reranking retraining unlearning distilling benchmarking testing debugging caching streaming
    answering writing reading speaking translating coding building manufacturing imaging sensing
    positioning recording monitoring networking"""
)
# Words the tagger calls nouns that are verbs before a noun phrase ("we use transformers").
VERB_LIKE = _words("use uses show shows propose proposes present presents achieve achieves")
# Past forms the tagger calls verbs that modify nouns ("supervised learning").
PARTICIPLES = _words(
    """supervised unsupervised weighted structured unstructured distributed learned pretrained
    trained fixed mixed labeled labelled annotated specialized generalized randomized"""
)
LY_ADJ = _words("early daily weekly monthly yearly hourly friendly costly timely")
# Words too general to be a topic on their own, however often papers use them.
BROAD_WORDS = frozenset(
    """
    learning model method approach result performance framework task data dataset network
    system problem paper work analysis algorithm study technique training evaluation
    benchmark experiment application accuracy efficiency quality information representation
    architecture ability capability setting strategy challenge improvement function feature
    knowledge research process structure theory tool solution property behavior behaviour
    loss error objective agent environment policy signal value domain scale generalization
    optimization inference prediction image text language video human user
    """.split()
)
