from ketplan.cli import main

main()
