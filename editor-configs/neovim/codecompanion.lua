-- agentica in CodeCompanion.nvim (https://github.com/olimorris/codecompanion.nvim), as an ACP adapter.
-- Put this in your CodeCompanion setup (lazy.nvim: the `opts` or `config` of the plugin spec).
require("codecompanion").setup({
  adapters = {
    acp = {
      agentica = function()
        return require("codecompanion.adapters").extend("gemini_cli", {
          name = "agentica",
          formatted_name = "Agentica",
          commands = {
            default = { "agentica-acp", "--mode", "ask" },
            -- Edits inside the project run without asking; commands still ask.
            accept_edits = { "agentica-acp", "--mode", "accept_edits" },
          },
          defaults = {
            auth_method = nil, -- agentica needs no ACP sign-in once a model is configured
            mcpServers = {},
            timeout = 20000,
          },
          -- Values are the NAMES of environment variables of your shell (CodeCompanion
          -- reads them), or "cmd:..." to ask a password manager.
          env = {
            AGENTICA_MODEL = "AGENTICA_MODEL",
            OPENAI_API_KEY = "OPENAI_API_KEY",
          },
        })
      end,
    },
  },
  strategies = {
    chat = { adapter = "agentica" },
  },
})
