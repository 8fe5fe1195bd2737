using Platform.Cli;

return await PlatformCtl.Build().Parse(args).InvokeAsync();
