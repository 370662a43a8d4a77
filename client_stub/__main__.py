from client_stub.cli import main

raise SystemExit(main())
