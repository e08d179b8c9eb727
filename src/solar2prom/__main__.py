from solar2prom.cli import main

raise SystemExit(main())
