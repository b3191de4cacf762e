"""python -m gans_tf --variant vanilla --k-steps 5 --epochs 50"""
import sys

from gans_common.cli import main

from .train import train

sys.exit(main("python -m gans_tf", "tensorflow", train))
