"""course_utils: the shared package of the RNN course.

Modules are named after the concept they hold:
- `session` (setup), `checks` (verification), `plots`, `diagrams` (architecture diagrams drawn in the
  course notation), `interactive` (live sliders for the lecture room), `notebooks` (run and check
  notebooks);
- data: `text` (corpus, tokens, Vocab), `markov` (source with a known entropy rate), `series`,
  `batching`, `tasks` (adding problem, next-letter task);
- models: `autoregressive` (AR/ARX), `ngram`, `srn`, `rtrl`, `lstm`, `gru`, `layers` (output layer,
  losses), `torch_bridge` (copy weights to and from torch);
- training and measuring: `optim` (clipping, SGD, Adagrad, Adam), `train` (torch loops),
  `complexity` (time and memory scaling);
- beyond chains: `structured` (trees, recursive nets, message passing), `deep` (stacked,
  bidirectional), `lstm_variants`;
- applications: `decoding` (greedy, beam search, sampling), `seq2seq` (encoder–decoder, character
  LM), `sentiment` (a small EN/中文 set written for the course);
- homework: `grading`.
"""
from .session import setup

__all__ = ["setup"]
__version__ = "0.1.0"
