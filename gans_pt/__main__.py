"""python -m gans_pt --variant vanilla --k-steps 5 --epochs 50 (the study's command line: gans_study.cli)"""
import sys

from gans_study.cli import main

sys.exit(main("pytorch"))
