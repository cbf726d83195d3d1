"""Learn: short cards about how helping work affects people, readable offline."""
