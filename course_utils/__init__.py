"""course_utils: the shared package of the RNN course.

Modules are named after the concept they hold:
- `session` (setup, `seeded` initial weights), `checks` (verification), `plots`, `diagrams`
  (architecture diagrams drawn in the course notation), `interactive` (live sliders for the lecture
  room), `notebooks` (run and check notebooks, slide budgets);
- data: `text` (corpus, tokens, Vocab), `markov` (source with a known entropy rate), `series`,
  `batching` (windows, LM batches, padding), `tasks` (every synthetic task: adding, recall, next
  letter, delayed copy, word segmentation, digit reversal, expressions), `digits`, `sentiment`;
- models: `autoregressive` (AR/ARX), `ngram`, `early_rnns` (Elman and Jordan), `srn`, `srn_modes`
  (token inputs, an SRN decoder), `neural_stack` (Siegelmann–Sontag's stack), `rtrl`, `lstm`, `gru`,
  `lstm_variants` (variant cells, clockwork RNN), `deep` (stacked, bidirectional), `layers` (output
  layer, losses), `torch_bridge` (copy weights to and from torch);
- training and measuring: `train` (the training core: one loop, one History), `optim` (clipping,
  SGD, Adagrad, Adam in numpy), `sgd_runs` (numpy SRN runs that record the gradient), `srn_autograd`
  (torch reference gradients), `gradient_flow` (gradient norm against distance), `memory_probe`
  (what an LSTM unit stores), `complexity` (time and memory scaling);
- torch model families, each trained by `train.fit`: `regression` (sequence → number),
  `classification` (sequence → class, tagging), `seq2seq` (encoder–decoder), `attention` (additive
  and dot-product attention, the encoder–decoder with it, alignment heatmaps), `char_lm` (character
  language model), `dropout` (masks per step and per sequence), `lookahead` (a task where the future
  matters), `decoding` (greedy, beam search, sampling);
- beyond chains: `trees` (nested-tuple trees), `recursive_net` (tree networks), `bag_of_symbols`
  (the structure-blind baseline), `graphs` (message passing);
- lecture figures: `forecast_plots` (lecture 01), `lm_plots` (lecture 02);
- homework: `grading`.
"""
from .session import setup

__all__ = ["setup"]
__version__ = "0.1.0"
