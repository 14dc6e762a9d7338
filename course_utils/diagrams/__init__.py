"""The course's architecture diagrams, drawn by code in the course notation (COURSE.md §2 and §3a).

Every function returns a matplotlib Figure (made through pyplot, so a notebook cell ending in
plt.show() shows it, and interactive.explore displays it); none calls plt.show(). Text is at least
11 pt at the course's 110 dpi, and one colour means one thing in every diagram: inputs blue, hidden
states orange, LSTM cells gold, outputs green, losses grey, gates purple, parameters indigo,
gradients red, RTRL's forward sensitivities teal, a highlighted path pink.

    unrolled_srn(T)                 the SRN folded (loop) and unrolled for T steps, shared weights labelled
    elman_jordan(T=None)            Elman (h_{t−1} → h_t) vs Jordan (ŷ_{t−1} → h_t), folded or unrolled
    io_modes(modes, T, M)           sequence → class, synced sequence → sequence, encoder–decoder
    encoder_decoder(S, M, ...)      read, bridge state s_0 = h_S, generate from ⟨bos⟩ to ⟨eos⟩
    attention_step(S, t, weights)   one decoder step with attention: query s_t, weights a_tj on the
                                    arrows h_j → c_t, s̃_t = tanh(W_c[c_t; s_t]) → ŷ_t
    conditioned_decoder(M, target, image)
                                    a decoder started from an input vector, s_0 = tanh(W_si x + b_s)
    bptt_graph(T, loss_step, step, norms, truncate)
                                    the computational graph, with the total derivative δ_{t,k} and the
                                    partial ∂a_k/∂W_hh^(k) of one term of dL/dW_hh; norms shade the arrows;
                                    truncate cuts it into pieces (truncated BPTT)
    rtrl_vs_bptt(T)                 BPTT's backward δ against RTRL's forward sensitivities P_t
    gru_cell(highlight, reset)      GRU (r, z, n; torch's reset-after or reset-before)
    lstm_cell(kind, highlight)      LSTM (i, f, g, o, c_t) and its variants: "peephole", "coupled", "no_forget"
    clockwork_rnn(periods, step, T) modules, which update at step t, slower → faster connections, W_hh blocks
    stacked_rnn(L, T, highlight)    L layers × T steps, with torch's h_n[layer]
    bidirectional_rnn(T, num_layers, highlight)
                                    forward and backward chains, concatenation, torch's h_0/h_n indices
                                    and output[0] / output[-1] halves
    dropout_masks(T, units, p)      dropout on x_t → h_t: a fresh mask at every step vs one mask per sequence
    tree_network(tree, highlight_leaf)
                                    a recursive network on a binary tree in course_utils.trees' format

`python -m course_utils.diagrams DIR` writes every diagram (GALLERY) as a PNG into DIR.
"""
from .cells import gru_cell, lstm_cell
from .chains import attention_step, conditioned_decoder, elman_jordan, encoder_decoder, io_modes, unrolled_srn
from .deep import bidirectional_rnn, h_n_index, stacked_rnn
from .gradients import bptt_graph, rtrl_vs_bptt
from .regularisation import dropout_masks
from .structures import clockwork_rnn, tree_network

# One picture per diagram and per parameter setting worth a page of its own (the website, the tests).
GALLERY = {
    "unrolled_srn": lambda: unrolled_srn(4),
    "elman_jordan": lambda: elman_jordan(),
    "elman_jordan_unrolled": lambda: elman_jordan(3),
    "io_modes": lambda: io_modes(),
    "encoder_decoder": lambda: encoder_decoder(3, 4, source=["3", "1", "4"], target=["4", "1", "3", "<eos>"]),
    "encoder_decoder_teacher_forcing": lambda: encoder_decoder(3, 4, teacher_forcing=True),
    "attention_step": lambda: attention_step(4, 1, weights=[0.02, 0.05, 0.13, 0.8], source=["3", "1", "4", "1"]),
    "conditioned_decoder": lambda: conditioned_decoder(4, target=list("one") + ["<eos>"]),
    "bptt_graph": lambda: bptt_graph(4, step=2),
    "bptt_graph_norms": lambda: bptt_graph(6, step=3, norms=[0.05, 0.1, 0.2, 0.4, 0.7, 1.0]),
    "rtrl_vs_bptt": lambda: rtrl_vs_bptt(4),
    "gru_cell": lambda: gru_cell(highlight="carry"),
    "gru_cell_reset_before": lambda: gru_cell(reset="before", highlight="reset"),
    "lstm_cell": lambda: lstm_cell(highlight="cell"),
    "lstm_cell_through_h": lambda: lstm_cell(highlight="hidden"),
    "lstm_peephole": lambda: lstm_cell("peephole"),
    "lstm_coupled": lambda: lstm_cell("coupled", highlight="input"),
    "lstm_no_forget": lambda: lstm_cell("no_forget"),
    "clockwork_rnn": lambda: clockwork_rnn((1, 2, 4, 8), step=4, T=10),
    "stacked_rnn": lambda: stacked_rnn(3, 4, highlight=(2, 3)),
    "bidirectional_rnn": lambda: bidirectional_rnn(4, 1),
    "deep_bidirectional_rnn": lambda: bidirectional_rnn(4, 2, highlight=(1, 2)),
    "dropout_masks": lambda: dropout_masks(5, 4, 0.5),
    "tree_network": lambda: tree_network(("*", ("+", 1, 2), 0), highlight_leaf=2),
}

__all__ = ["GALLERY", "attention_step", "bidirectional_rnn", "bptt_graph", "clockwork_rnn", "conditioned_decoder",
           "dropout_masks", "elman_jordan", "encoder_decoder", "gru_cell", "h_n_index", "io_modes", "lstm_cell",
           "rtrl_vs_bptt", "stacked_rnn", "tree_network", "unrolled_srn"]
