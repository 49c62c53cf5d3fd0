"""The market simulator (issue 21): `manage.py simulate_market` drives Atelier's real
services with a simulated clock and writes a worker-welfare report (docs/simulation.md)."""
