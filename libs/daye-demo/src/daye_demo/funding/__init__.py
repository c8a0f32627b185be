"""funding-api's demo data: programmes and awards whose unpaid total is 55,068,000.00 yuan."""
