from archcalc.cli import main

main(prog_name="archcalc")
