return Platform.Runtime.Compilation.CompileServer.Run(args, Console.OpenStandardInput(), Console.OpenStandardOutput());
