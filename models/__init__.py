"""Model artifacts and the scripts that build them (training data generator under ``datagen``)."""
