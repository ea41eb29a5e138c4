"""What one value and one parameter's optimizer state take: the choices of ``--dtype`` and
``--optimizer``, which ``memory`` counts with. Kept apart from ``memory`` so that checking those
options (``archcalc.options``, for every ``table``) imports nothing more than this."""

DTYPES = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}          # bytes per value
OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2}              # state buffers per parameter
