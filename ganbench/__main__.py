from ganbench.cli.main import main

main()
