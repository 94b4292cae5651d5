from firedesk.cli import main

main()
