"""Local AWS emulator for mlops: moto's server plus the operations moto 5.2.1 lacks.

Run ``python3 emulator/launcher.py --help``; see README.md.
"""
