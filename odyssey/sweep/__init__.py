"""The training half, many trials: Optuna studies shared by any number of workers.

``studies`` (create the studies and their slots, once), ``slots`` (enqueue, claim, repair),
``samplers`` (Optuna distributions, samplers, pruners), ``worker`` (claim and train until a study
is complete), ``heartbeat`` (running trials' signs of life, dead workers' trials failed),
``storage`` (Optuna journal or database), ``tracking`` (MLflow), ``collect`` (the trials table).
"""
