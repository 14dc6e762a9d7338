"""Architecture diagrams of the course, drawn by code in the course notation (placeholder docstring)."""
from .chains import elman_jordan, encoder_decoder, io_modes, unrolled_srn

__all__ = ["unrolled_srn", "elman_jordan", "io_modes", "encoder_decoder"]
from .gradients import bptt_graph, rtrl_vs_bptt
from .cells import gru_cell, lstm_cell
