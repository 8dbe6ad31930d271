"""The `mrp` command's sub-commands, one module per area; ``console.cli`` assembles them."""
