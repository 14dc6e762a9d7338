"""course_utils: the shared package of the RNN course.

Modules are named after the concept they hold:
- `session` (setup), `checks` (verification), `plots`, `diagrams` (architecture diagrams drawn in the
  course notation), `interactive` (live sliders for the lecture room), `notebooks` (run and check
  notebooks, slide budgets);
- data: `text` (corpus, tokens, Vocab), `markov` (source with a known entropy rate), `series`,
  `batching`, `tasks` (adding problem, next-letter task, delayed copy);
- models: `autoregressive` (AR/ARX), `ngram`, `early_rnns` (Elman and Jordan), `srn`, `srn_modes`
  (token inputs, an SRN decoder), `neural_stack` (Siegelmann–Sontag's stack), `rtrl`, `lstm`, `gru`,
  `layers` (output layer, losses), `torch_bridge` (copy weights to and from torch);
- training and measuring: `optim` (clipping, SGD, Adagrad, Adam), `train` (torch loops), `sgd_runs`
  (numpy SRN runs that record the gradient), `srn_autograd` (torch reference gradients),
  `gradient_flow` (gradient norm against distance), `memory_probe` (what an LSTM unit stores),
  `complexity` (time and memory scaling);
- beyond chains: `structured` (trees, recursive nets, message passing), `deep` (stacked,
  bidirectional), `lookahead` (a task where the future matters), `lstm_variants`;
- applications: `decoding` (greedy, beam search, sampling), `seq2seq` (encoder–decoder, character
  LM), `sentiment` (a small EN/中文 set written for the course);
- lecture figures: `forecast_plots` (lecture 01), `lm_plots` (lecture 02);
- homework: `grading`.
"""
from .session import setup

__all__ = ["setup"]
__version__ = "0.1.0"
