using Nanotcp.Commands;

return Cli.Run(args);
