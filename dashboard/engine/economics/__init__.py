"""Economics: per GPU, per site, per fleet, under uncertainty; the verdict; reference specs."""
