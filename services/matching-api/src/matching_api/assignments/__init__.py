"""Expert assignment for visit campaigns (专家企业行): maximise the total match score."""
