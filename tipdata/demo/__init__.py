"""Synthetic demo data: one reporting year of agency files with their ground truth.

``generate(year, scale, seed, out=...)`` simulates the true people and events of a
year (recruitment, exploitation, rescue or return, screening, referral, shelter,
arrest, trial) and writes what each agency would have recorded, in its own layout
and with its own habits, next to a ground truth that says which rows are the same
person. ``write_partner_files`` writes a Thai and a Vietnamese partner's own hand-over
lists (their layouts, scripts and date habits) for the cross-border exchange. All names
and people are invented.
"""

from tipdata.demo.generate import GENERATOR_VERSION, GenerationSummary, Progress, generate
from tipdata.demo.generate import generate as generate_demo
from tipdata.demo.partner_files import write_partner_files
from tipdata.demo.pipeline import run_demo

__all__ = [
    "GENERATOR_VERSION",
    "GenerationSummary",
    "Progress",
    "generate",
    "generate_demo",
    "run_demo",
    "write_partner_files",
]
